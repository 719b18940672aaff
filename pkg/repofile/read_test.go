package repofile_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/repofile"
)

// tree makes a repository root holding the hostile files a pull request can add, and a
// file outside it.
func tree(t *testing.T) string {
	t.Helper()
	top := t.TempDir()
	dir := filepath.Join(top, "repo")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "sub"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "ok.yaml"), []byte("a: 1\n"), 0o644))
	must(os.WriteFile(filepath.Join(top, "secret"), []byte("host secret\n"), 0o600))
	must(os.Symlink("/dev/zero", filepath.Join(dir, "zero.yaml")))
	must(os.Symlink("/dev/urandom", filepath.Join(dir, "urandom.yaml")))
	must(os.Symlink("../secret", filepath.Join(dir, "escape.yaml")))
	must(os.Symlink(filepath.Join(top, "secret"), filepath.Join(dir, "absolute.yaml")))
	must(os.Symlink("../ok.yaml", filepath.Join(dir, "sub", "inside.yaml")))
	must(syscall.Mkfifo(filepath.Join(dir, "fifo.yaml"), 0o644))
	f, err := os.Create(filepath.Join(dir, "sparse.yaml"))
	must(err)
	must(f.Truncate(1 << 30)) // 1 GiB, no blocks
	must(f.Close())
	return dir
}

func TestReadFile(t *testing.T) {
	dir := tree(t)
	for _, tc := range []struct {
		name    string
		want    string // content, or
		wantErr error
		msg     string // in the error
	}{
		{name: "ok.yaml", want: "a: 1\n"},
		{name: "sub/inside.yaml", want: "a: 1\n"},
		{name: "zero.yaml", wantErr: repofile.ErrOutsideRoot, msg: "read zero.yaml"},
		{name: "urandom.yaml", wantErr: repofile.ErrOutsideRoot, msg: "read urandom.yaml"},
		{name: "escape.yaml", wantErr: repofile.ErrOutsideRoot},
		{name: "absolute.yaml", wantErr: repofile.ErrOutsideRoot},
		{name: "../secret", wantErr: repofile.ErrOutsideRoot},
		{name: "fifo.yaml", wantErr: repofile.ErrNotRegular, msg: "named pipe"},
		{name: "sparse.yaml", wantErr: repofile.ErrTooLarge, msg: "1 GiB, more than 16 MiB"},
		{name: "sub", wantErr: repofile.ErrNotRegular, msg: "directory"},
		{name: "missing.yaml", wantErr: os.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := repofile.ReadFile(dir, tc.name, nil)
			if tc.wantErr == nil {
				if err != nil || string(data) != tc.want {
					t.Fatalf("got %q, %v; want %q", data, err, tc.want)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), "read "+tc.name) {
				t.Fatalf("error %q does not name the file and %q", err, tc.msg)
			}
			if strings.Contains(err.Error(), "host secret") {
				t.Fatal("the error holds the outside file's content")
			}
		})
	}
}

func TestBudget(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.yaml", "b.yaml"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(strings.Repeat("x", 600)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b := repofile.NewBudget(repofile.Limits{MaxFileBytes: 1000, MaxTotalBytes: 1000})
	if _, err := repofile.ReadFile(dir, "a.yaml", b); err != nil {
		t.Fatal(err)
	}
	_, err := repofile.ReadFile(dir, "b.yaml", b)
	if !errors.Is(err, repofile.ErrBudget) || !strings.Contains(err.Error(), "read b.yaml") {
		t.Fatalf("second read: %v, want ErrBudget naming b.yaml", err)
	}
	small := repofile.NewBudget(repofile.Limits{MaxFileBytes: 100})
	if _, err := repofile.ReadFile(dir, "a.yaml", small); !errors.Is(err, repofile.ErrTooLarge) {
		t.Fatalf("file over the file limit: %v", err)
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{312: "312 B", 16 << 20: "16 MiB", 3 << 29: "1.5 GiB", 1 << 30: "1 GiB"} {
		if got := repofile.Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
