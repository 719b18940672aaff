package source

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The files of Kustomize directories are listed unless discovery leaves the directory
// alone for its .gitops.yaml: the same answer pkg/manifest gives, through pkg/gitopsfile.
func TestKustomizeFilesAndGitopsFile(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "gitops.yaml")
	if err := os.WriteFile(outside, []byte("images: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		gitops string // contents of <dir>/.gitops.yaml; "" none, "->" a link out of the root
		listed bool
	}{
		{name: "no .gitops.yaml", listed: true},
		{name: "images only", gitops: "images:\n  policies: []\n", listed: true},
		{name: "the bot's sections only", gitops: "targets: []\n", listed: true},
		{name: "generators", gitops: "version: 1\ngenerators:\n  - command: kustomize build .\n"},
		{name: "version only: declares generators", gitops: "version: 1\n"},
		{name: "empty: declares generators", gitops: "# nothing\n"},
		{name: "an unknown key", gitops: "images: {}\nbogus: 1\n"},
		{name: "invalid YAML", gitops: "images: [\n"},
		{name: "a link out of the root", gitops: "->"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeFiles(t, root, map[string]string{"k/kustomization.yaml": "resources: [cm.yaml]\n", "k/cm.yaml": "kind: ConfigMap\n"})
			switch tt.gitops {
			case "":
			case "->":
				if err := os.Symlink(outside, filepath.Join(root, "k", ".gitops.yaml")); err != nil {
					t.Fatal(err)
				}
			default:
				writeFiles(t, root, map[string]string{"k/.gitops.yaml": tt.gitops})
			}
			got, err := kustomizeFiles(root, nil)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			if tt.listed {
				want = []string{"k/cm.yaml", "k/kustomization.yaml"}
			}
			if !slices.Equal(got, want) {
				t.Errorf("listed %q, want %q", got, want)
			}
		})
	}
}
