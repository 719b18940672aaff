package source

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestWriteFiles(t *testing.T) {
	tests := []struct {
		name string
		// setup makes files under root (and outside, a directory beside it).
		setup       func(t *testing.T, root, outside string)
		file        string
		wantWritten string // relative to root
		wantMode    os.FileMode
		wantLinks   []string
		wantErr     string
	}{
		{
			name:        "regular file keeps its mode",
			setup:       func(t *testing.T, root, _ string) { write(t, filepath.Join(root, "app.yaml"), 0o600) },
			file:        "app.yaml",
			wantWritten: "app.yaml",
			wantMode:    0o600,
		},
		{
			name: "symlink is written through",
			setup: func(t *testing.T, root, _ string) {
				write(t, filepath.Join(root, "base/app.yaml"), 0o640)
				link(t, "../base/app.yaml", filepath.Join(root, "dev/app.yaml"))
			},
			file:        "dev/app.yaml",
			wantWritten: "base/app.yaml",
			wantMode:    0o640,
			wantLinks:   []string{"dev/app.yaml"},
		},
		{
			name: "chain of symlinks, absolute target inside the root",
			setup: func(t *testing.T, root, _ string) {
				write(t, filepath.Join(root, "base/app.yaml"), 0o644)
				link(t, filepath.Join(root, "base/app.yaml"), filepath.Join(root, "mid.yaml"))
				link(t, "mid.yaml", filepath.Join(root, "app.yaml"))
			},
			file:        "app.yaml",
			wantWritten: "base/app.yaml",
			wantMode:    0o644,
			wantLinks:   []string{"app.yaml", "mid.yaml"},
		},
		{
			name: "symlink leading outside the root is refused",
			setup: func(t *testing.T, root, outside string) {
				write(t, filepath.Join(outside, "app.yaml"), 0o644)
				link(t, filepath.Join(outside, "app.yaml"), filepath.Join(root, "app.yaml"))
			},
			file:    "app.yaml",
			wantErr: "write app.yaml: it leads through a symlink to ",
		},
		{
			name: "symlinked directory leading outside the root is refused",
			setup: func(t *testing.T, root, outside string) {
				write(t, filepath.Join(outside, "app.yaml"), 0o644)
				link(t, outside, filepath.Join(root, "ext"))
			},
			file:    "ext/app.yaml",
			wantErr: "write ext/app.yaml: it leads through a symlink to ",
		},
		{
			name: "dangling symlink",
			setup: func(t *testing.T, root, _ string) {
				link(t, "gone.yaml", filepath.Join(root, "app.yaml"))
			},
			file:    "app.yaml",
			wantErr: "write app.yaml: ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root, outside := t.TempDir(), t.TempDir()
			tt.setup(t, root, outside)
			before := snapshot(t, outside)
			s := &Source{Root: root}
			written, err := s.WriteFiles(map[string][]byte{tt.file: []byte("new\n")})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("WriteFiles: %v, want an error containing %q", err, tt.wantErr)
				}
				if after := snapshot(t, outside); after != before {
					t.Errorf("a file outside the root changed: %q -> %q", before, after)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := filepath.Join(root, filepath.FromSlash(tt.wantWritten))
			if !slices.Equal(written, []string{want}) {
				t.Errorf("written = %q, want [%s]", written, want)
			}
			fi, err := os.Lstat(want)
			if err != nil || !fi.Mode().IsRegular() {
				t.Fatalf("%s: %v %v, want a regular file", tt.wantWritten, fi, err)
			}
			if fi.Mode().Perm() != tt.wantMode {
				t.Errorf("%s: mode %v, want %v", tt.wantWritten, fi.Mode().Perm(), tt.wantMode)
			}
			if got := readString(t, want); got != "new\n" {
				t.Errorf("%s = %q, want the new contents", tt.wantWritten, got)
			}
			for _, l := range tt.wantLinks {
				if fi, err := os.Lstat(filepath.Join(root, l)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
					t.Errorf("%s is no longer a symlink: %v %v", l, fi, err)
				}
			}
			if got := readString(t, filepath.Join(root, tt.file)); got != "new\n" {
				t.Errorf("reading %s gives %q", tt.file, got)
			}
		})
	}
}

// TestWriteFilesLinkAndTarget: a link and its target both changed give one file to commit.
func TestWriteFilesLinkAndTarget(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "base/app.yaml"), 0o644)
	link(t, "base/app.yaml", filepath.Join(root, "app.yaml"))
	s := &Source{Root: root}
	written, err := s.WriteFiles(map[string][]byte{"app.yaml": []byte("x\n"), "base/app.yaml": []byte("x\n")})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(root, "base/app.yaml")}; !slices.Equal(written, want) {
		t.Errorf("written = %q, want %q", written, want)
	}
}

func write(t *testing.T, p string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("old\n"), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

func link(t *testing.T, target, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}

func readString(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// snapshot lists the files of dir with their contents.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b.WriteString(p + "=" + readString(t, p) + ";")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
