package images

import (
	"os"
	"path/filepath"
	"testing"
)

// readFixtures loads testdata files as scan input, keyed by their slash path.
func readFixtures(t *testing.T, names ...string) ([]File, map[string][]byte) {
	t.Helper()
	var files []File
	data := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, File{Path: n, Data: b})
		data[n] = b
	}
	return files, data
}

func mustRules(t testing.TB, cfg string) *Rules {
	t.Helper()
	c, lines, err := ParseConfig(ConfigFile, []byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Rules(ConfigFile, lines)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// changedLines returns the 1-based numbers of lines that differ (files of equal line count).
func changedLines(a, b []byte) []int {
	la, lb := splitLines(a), splitLines(b)
	var out []int
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			out = append(out, i+1)
		}
	}
	return out
}

func splitLines(b []byte) []string {
	var out []string
	start := 0
	for i, c := range b {
		if c == '\n' {
			out = append(out, string(b[start:i+1]))
			start = i + 1
		}
	}
	if start < len(b) {
		out = append(out, string(b[start:]))
	}
	return out
}
