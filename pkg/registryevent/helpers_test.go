package registryevent

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// payload reads testdata/NAME.jsonc without its leading // comment lines (which cite the
// documentation the payload follows).
func payload(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name+".jsonc"))
	if err != nil {
		t.Fatal(err)
	}
	for bytes.HasPrefix(data, []byte("//")) {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return nil
		}
		data = data[i+1:]
	}
	return data
}

// payloads are every testdata payload, by name.
func payloads(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.jsonc"))
	if err != nil || len(files) == 0 {
		t.Fatalf("testdata: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		name := filepath.Base(f)
		name = name[:len(name)-len(".jsonc")]
		out[name] = payload(t, name)
	}
	return out
}
