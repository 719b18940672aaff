package browsertest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// OutputEnv names the directory under which OutputDir puts each test's files. Unset, they go
// under test-output/ at the module's root (git ignores it).
const OutputEnv = "GITOPS_TEST_OUTPUT"

var (
	outputMu      sync.Mutex
	outputEmptied = map[string]bool{} // directories emptied by this process
)

// OutputDir returns the directory for files a person looks at after the run (screenshots
// above all): $GITOPS_TEST_OUTPUT/<TestName>/, else test-output/<TestName>/ at the module's
// root, where <TestName> is t.Name() (a subtest is a directory under its parent's). Unlike
// t.TempDir it is kept after the test. The first call for a test in this process empties it,
// so it never holds files of an earlier run; later calls return the same directory.
func OutputDir(t testing.TB) string {
	t.Helper()
	root := os.Getenv(OutputEnv)
	if root == "" {
		mod, err := moduleRoot()
		if err != nil {
			t.Fatalf("browsertest: %v; set %s", err, OutputEnv)
		}
		root = filepath.Join(mod, "test-output")
	}
	dir := filepath.Join(root, testDirName(t.Name()))
	outputMu.Lock()
	defer outputMu.Unlock()
	if !outputEmptied[dir] {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatalf("browsertest: emptying the output directory: %v", err)
		}
		outputEmptied[dir] = true
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("browsertest: creating the output directory: %v", err)
	}
	return dir
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// testDirName turns a test's name into a relative path: one directory per level of
// subtests, every character outside [A-Za-z0-9._-] replaced, never "." or "..".
func testDirName(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		p = unsafeName.ReplaceAllString(p, "_")
		if strings.Trim(p, ".") == "" {
			p = strings.ReplaceAll(p, ".", "_") + "_"
		}
		parts[i] = p
	}
	return filepath.Join(parts...)
}

// moduleRoot is the nearest directory at or above the working directory (a test's is its
// package's) that has a go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the module's root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod at or above the working directory")
		}
		dir = parent
	}
}
