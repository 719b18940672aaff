package images

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
)

const scanPolicy = "images:\n  policies:\n    - {name: web, image: ghcr.io/acme/web, semver: '1.x'}\n"

const scanManifest = `apiVersion: v1
kind: ConfigMap
metadata: {name: versions}
data:
  web: ghcr.io/acme/web:1.0.0 # {"$imagepolicy": "web"}
`

// writeTree writes files (slash paths) under a new directory and returns it.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		path := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestReadRules: the images: section comes from the .gitops.yaml at the root, or from
// the file --config names; no file at the root means the defaults; a bad file is an
// error naming it.
func TestReadRules(t *testing.T) {
	tests := []struct {
		name       string
		files      map[string]string
		configFile string // relative to the root; "" for the default
		policies   []string
		wantErr    string
	}{
		{name: "no file: defaults", files: map[string]string{"app.yaml": scanManifest}},
		{name: "file at the root", files: map[string]string{ConfigFile: scanPolicy}, policies: []string{"web"}},
		{name: "file named", files: map[string]string{"ci/images.yaml": scanPolicy}, configFile: "ci/images.yaml", policies: []string{"web"}},
		{name: "named file missing", files: map[string]string{ConfigFile: scanPolicy}, configFile: "ci/images.yaml", wantErr: "read "},
		{name: "bad file at the root", files: map[string]string{ConfigFile: "images:\n  policies:\n    - {name: a, image: nginx}\n"}, wantErr: ".gitops.yaml:3:"},
		{name: "bad file named", files: map[string]string{"ci/images.yaml": "images: [\n"}, configFile: "ci/images.yaml", wantErr: "ci/images.yaml: images:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, tt.files)
			configFile := ""
			if tt.configFile != "" {
				configFile = filepath.Join(root, tt.configFile)
			}
			rules, err := ReadRules(root, configFile)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if names := slices.Sorted(maps.Keys(rules.Policies)); !slices.Equal(names, tt.policies) {
				t.Errorf("policies %v, want %v", names, tt.policies)
			}
			pause, err := ParseReference("registry.k8s.io/pause:3.9")
			if err != nil {
				t.Fatal(err)
			}
			if rules.Filter.Allows(pause) {
				t.Error("the default exclusions are lost")
			}
		})
	}
}

// TestScanSource: an opened source's manifests are scanned with its rules; a manifest
// that cannot be read is a problem, not an error.
func TestScanSource(t *testing.T) {
	root := writeTree(t, map[string]string{
		ConfigFile:    scanPolicy,
		"app.yaml":    scanManifest,
		"broken.yaml": "kind: [\n",
		"docs/readme": "not a manifest",
	})
	src, err := (&source.Options{Source: root}).Open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	sc, err := ScanSource(src, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Images) != 1 || sc.Images[0].Policy != "web" || sc.Images[0].Where() != "app.yaml:5: ConfigMap versions" {
		t.Fatalf("images %+v", sc.Images)
	}
	if string(sc.Data["app.yaml"]) != scanManifest || len(sc.Files) != len(sc.Data) {
		t.Errorf("files %d, data %d", len(sc.Files), len(sc.Data))
	}
	if len(sc.Errs) != 1 || !strings.Contains(sc.Errs[0].Error(), "broken.yaml") {
		t.Errorf("problems %v", sc.Errs)
	}
	if _, err := ScanSource(src, filepath.Join(root, "missing.yaml")); err == nil {
		t.Error("a missing --config file is no error")
	}
}
