//go:build unix

package gitopsfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/repofile"
)

// Read refuses what a pull request could put at .gitops.yaml to hang or exhaust the
// reader, each with an error naming the file; an absent file is no file.
func TestRead(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret.yaml")
	if err := os.WriteFile(outside, []byte("images: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		setup   func(t *testing.T, path string)
		budget  *repofile.Budget
		exists  bool
		has     string // a key the File has
		wantErr string
		is      error
	}{
		{name: "a regular file", setup: write("images: {}\n"), exists: true, has: KeyImages},
		{name: "absent: no file, no sections", setup: func(*testing.T, string) {}},
		{name: "a link inside the root", setup: func(t *testing.T, p string) {
			write("targets: []\n")(t, filepath.Join(filepath.Dir(p), "real.yaml"))
			must(t, os.Symlink("real.yaml", p))
		}, exists: true, has: KeyTargets},
		{name: "a symbolic link out of the root", setup: func(t *testing.T, p string) { must(t, os.Symlink(outside, p)) },
			wantErr: "read .gitops.yaml: it leads outside the repository", is: repofile.ErrOutsideRoot},
		{name: "a link to /dev/zero", setup: func(t *testing.T, p string) { must(t, os.Symlink("/dev/zero", p)) },
			wantErr: "read .gitops.yaml: it leads outside the repository", is: repofile.ErrOutsideRoot},
		{name: "a FIFO", setup: func(t *testing.T, p string) { must(t, syscall.Mkfifo(p, 0o644)) },
			wantErr: "read .gitops.yaml: it is not a regular file: it is a named pipe (FIFO)", is: repofile.ErrNotRegular},
		{name: "a directory", setup: func(t *testing.T, p string) { must(t, os.Mkdir(p, 0o755)) },
			wantErr: "it is a directory", is: repofile.ErrNotRegular},
		{name: "a dangling link is not absent", setup: func(t *testing.T, p string) { must(t, os.Symlink("nowhere.yaml", p)) },
			wantErr: "read .gitops.yaml", is: fs.ErrNotExist},
		{name: "too large: a sparse GiB", setup: func(t *testing.T, p string) {
			write("")(t, p)
			must(t, os.Truncate(p, 1<<30))
		}, wantErr: "read .gitops.yaml: it is larger than a repository file may be: 1 GiB, more than 16 MiB", is: repofile.ErrTooLarge},
		{name: "too large for the budget", setup: write("images: {}\n"), budget: repofile.NewBudget(repofile.Limits{MaxFileBytes: 4}),
			wantErr: "more than 4 B", is: repofile.ErrTooLarge},
		{name: "an unknown key", setup: write("images: {}\nbogus: 1\n"), exists: true, has: KeyImages,
			wantErr: `.gitops.yaml:2: unknown key "bogus"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			tt.setup(t, filepath.Join(root, Name))
			f, err := Read(root, Name, tt.budget)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err %v, want %q", err, tt.wantErr)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err %v is not %v", err, tt.is)
			}
			if (f != nil) != (tt.wantErr == "" || tt.exists) {
				t.Fatalf("File %v with err %v", f, err)
			}
			if f == nil {
				return
			}
			if f.Exists() != tt.exists || (tt.has != "" && !f.Has(tt.has)) {
				t.Errorf("Exists() = %v, Has(%q) = %v", f.Exists(), tt.has, f.Has(tt.has))
			}
			if !tt.exists && f.DeclaresGenerators() {
				t.Error("an absent file declares generators")
			}
		})
	}
}

func write(data string) func(t *testing.T, path string) {
	return func(t *testing.T, path string) { must(t, os.WriteFile(path, []byte(data), 0o644)) }
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
