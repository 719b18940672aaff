package gitrepo

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// reuseRepo is a bare repository made by the git CLI and the CLI work tree that
// commits into it.
type reuseRepo struct {
	w    *gitrepotest.Repo
	bare string
}

func newReuseRepo(t *testing.T) *reuseRepo {
	t.Helper()
	w := gitrepotest.NewRepo(t, map[string]string{
		"version": "1\n", ".gitignore": "*.log\n", "deploy/app.yaml": "kind: ConfigMap\n",
		"deploy/sub/b.yaml": "b\n", "src/main.go": "package main\n", "file-then-dir": "a file\n", "dir-then-file/x": "x\n",
	})
	return &reuseRepo{w: w, bare: w.Bare(t, filepath.Join(t.TempDir(), "repo.git"))}
}

// commit commits files (an empty content removes one) and pushes.
func (r *reuseRepo) commit(t *testing.T, files map[string]string) string {
	t.Helper()
	sha := r.w.Commit(t, "change", files)
	r.w.Git(t, "push", "-q", "origin", "HEAD")
	return sha
}

func (r *reuseRepo) add(t *testing.T, sha string) *Worktree {
	t.Helper()
	dir, err := os.MkdirTemp(t.TempDir(), "wt-")
	if err != nil {
		t.Fatal(err)
	}
	wt, err := AddWorktree(context.Background(), r.bare, sha, dir, "test", 0)
	if err != nil {
		t.Fatalf("check out %s: %v", sha[:12], err)
	}
	t.Cleanup(func() { _ = wt.Remove() })
	return wt
}

// files is what a directory holds (path → content, a symbolic link "-> target", an
// executable "+x " before its content), .git aside.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == ".git" {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			out[rel] = "-> " + target
			return err
		case fi.IsDir():
			return nil
		}
		b, err := os.ReadFile(p)
		if fi.Mode().Perm()&0o100 != 0 {
			b = append([]byte("+x "), b...)
		}
		out[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func inode(t *testing.T, p string) uint64 {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

func TestWorktreeReuse(t *testing.T) {
	ctx := context.Background()
	r := newReuseRepo(t)
	first := r.w.Head(t)
	wt := r.add(t, first)
	keep := inode(t, filepath.Join(wt.Dir, "src/main.go"))

	// Changed, added, removed files; a file that becomes a directory and the
	// reverse; an executable; a symbolic link.
	r.w.Write(t, map[string]string{"file-then-dir": "", "dir-then-file/x": ""})
	if err := os.Remove(filepath.Join(r.w.Dir, "dir-then-file")); err != nil {
		t.Fatal(err)
	}
	second := r.commit(t, map[string]string{
		"version": "2\n", "deploy/new.yaml": "new\n", "deploy/sub/b.yaml": "",
		"file-then-dir/y": "y\n", "dir-then-file": "now a file\n", "run.sh": "#!/bin/sh\n",
	})
	r.w.Git(t, "update-index", "--chmod=+x", "run.sh")
	r.w.Git(t, "commit", "-q", "-m", "x")
	if err := os.Symlink("deploy/app.yaml", filepath.Join(r.w.Dir, "link")); err != nil {
		t.Fatal(err)
	}
	third := r.commit(t, nil)
	for _, sha := range []string{second, third, first, third} {
		dir := wt.Dir + "-" + sha[:7]
		if err := wt.Move(dir); err != nil {
			t.Fatal(err)
		}
		if err := wt.Reuse(ctx, sha, "test", 0); err != nil {
			t.Fatalf("reuse at %s: %v", sha[:12], err)
		}
		want := files(t, r.add(t, sha).Dir)
		got := files(t, wt.Dir)
		if strings.Join(sortedKeys(got), ",") != strings.Join(sortedKeys(want), ",") {
			t.Fatalf("at %s: files %v, want %v", sha[:12], sortedKeys(got), sortedKeys(want))
		}
		for p, c := range want {
			if got[p] != c {
				t.Errorf("at %s: %s is %q, want %q", sha[:12], p, got[p], c)
			}
		}
		if wt.Revision != sha || gitrepotest.Git(t, wt.Dir, "rev-parse", "HEAD") != sha {
			t.Errorf("HEAD at %s, want %s", wt.Revision, sha)
		}
		// The git CLI finds the work tree clean: the index matches.
		// (Without optional locks: git status would refresh the index, a change.)
		status := gitrepotest.Command(wt.Dir, "status", "--porcelain", "--ignored")
		status.Env = append(status.Env, "GIT_OPTIONAL_LOCKS=0")
		if st, err := status.Output(); err != nil || len(st) != 0 {
			t.Errorf("at %s: git status: %v\n%s", sha[:12], err, st)
		}
	}
	if inode(t, filepath.Join(wt.Dir, "src/main.go")) != keep {
		t.Error("an unchanged file was written again")
	}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestWorktreeReuseRefusesChanges(t *testing.T) {
	outside := t.TempDir()
	tests := []struct {
		name   string
		change func(t *testing.T, dir string, wt *Worktree)
	}{
		{name: "an extra file", change: func(t *testing.T, dir string, _ *Worktree) {
			writeFile(t, filepath.Join(dir, "deploy/extra.yaml"), "kind: Secret\n")
		}},
		{name: "an ignored file", change: func(t *testing.T, dir string, _ *Worktree) {
			writeFile(t, filepath.Join(dir, "build.log"), "log\n")
		}},
		{name: "an empty directory", change: func(t *testing.T, dir string, _ *Worktree) {
			if err := os.Mkdir(filepath.Join(dir, "charts"), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "a file changed at once, same size (racy)", change: func(t *testing.T, dir string, _ *Worktree) {
			writeFile(t, filepath.Join(dir, "version"), "9\n")
		}},
		{name: "a file changed, its times put back", change: func(t *testing.T, dir string, _ *Worktree) {
			// Not read again however recent: only its change time tells.
			old := racyWindow
			racyWindow = -time.Hour
			t.Cleanup(func() { racyWindow = old })
			time.Sleep(20 * time.Millisecond) // past a tick of the file system's clock
			p := filepath.Join(dir, "deploy/app.yaml")
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, p, "kind: SecretXYZ\n") // the same size
			if err := os.Chtimes(p, fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "a file removed", change: func(t *testing.T, dir string, _ *Worktree) {
			if err := os.Remove(filepath.Join(dir, "src/main.go")); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "a directory replaced by a symbolic link out of the tree", change: func(t *testing.T, dir string, _ *Worktree) {
			if err := os.RemoveAll(filepath.Join(dir, "deploy")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(outside, filepath.Join(dir, "deploy")); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "a file replaced by a symbolic link", change: func(t *testing.T, dir string, _ *Worktree) {
			p := filepath.Join(dir, "version")
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("/etc/hostname", p); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "a file replaced by a directory", change: func(t *testing.T, dir string, _ *Worktree) {
			p := filepath.Join(dir, "version")
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(p, "x"), "x")
		}},
		{name: "a file made executable", change: func(t *testing.T, dir string, _ *Worktree) {
			if err := os.Chmod(filepath.Join(dir, "version"), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "a file linked from outside (hard link)", change: func(t *testing.T, dir string, _ *Worktree) {
			if err := os.Link(filepath.Join(dir, "version"), filepath.Join(outside, "version-link")); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "a named pipe", change: func(t *testing.T, dir string, _ *Worktree) {
			if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "the index rewritten", change: func(t *testing.T, dir string, wt *Worktree) {
			now := time.Now()
			if err := os.Chtimes(filepath.Join(wt.record, "index"), now, now); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "HEAD moved", change: func(t *testing.T, dir string, wt *Worktree) {
			writeFile(t, filepath.Join(wt.record, "HEAD"), strings.Repeat("0", 40)+"\n")
		}},
		{name: ".git pointed elsewhere", change: func(t *testing.T, dir string, _ *Worktree) {
			writeFile(t, filepath.Join(dir, ".git"), "gitdir: "+outside+"\n")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReuseRepo(t)
			wt := r.add(t, r.w.Head(t))
			// Unchanged, it is reused.
			next := r.commit(t, map[string]string{"version": "2\n"})
			if err := wt.Reuse(context.Background(), next, "test", 0); err != nil {
				t.Fatalf("reuse of an unchanged work tree: %v", err)
			}
			next = r.commit(t, map[string]string{"version": "3\n"})
			tt.change(t, wt.Dir, wt)
			err := wt.Reuse(context.Background(), next, "test", 0)
			if !errors.Is(err, ErrWorktreeChanged) {
				t.Fatalf("reuse after the change: %v, want ErrWorktreeChanged", err)
			}
			t.Log(err)
		})
	}
	if es, _ := os.ReadDir(outside); len(es) > 1 {
		t.Errorf("written outside the work tree: %v", es)
	}
}

func TestWorktreeReuseBounds(t *testing.T) {
	ctx := context.Background()
	t.Run("a symbolic link out of the tree replaced by a directory: nothing written through it", func(t *testing.T) {
		outside := t.TempDir()
		r := newReuseRepo(t)
		if err := os.Symlink(strings.Repeat("../", 30)+outside[1:], filepath.Join(r.w.Dir, "s")); err != nil {
			t.Fatal(err)
		}
		first := r.commit(t, nil)
		r.w.Write(t, map[string]string{"s": ""})
		second := r.commit(t, map[string]string{"s/passwd": "root\n"})
		wt := r.add(t, first)
		if err := wt.Reuse(ctx, second, "test", 0); err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, filepath.Join(wt.Dir, "s/passwd")); got != "root\n" {
			t.Errorf("s/passwd is %q", got)
		}
		if es, _ := os.ReadDir(outside); len(es) != 0 {
			t.Errorf("written outside the work tree: %v", es)
		}
	})
	t.Run("an absolute symbolic link: not moved", func(t *testing.T) {
		r := newReuseRepo(t)
		wt := r.add(t, r.w.Head(t))
		if err := os.Symlink("/etc/hostname", filepath.Join(r.w.Dir, "abs")); err != nil {
			t.Fatal(err)
		}
		abs := r.commit(t, nil)
		if err := wt.Reuse(ctx, abs, "test", 0); err == nil {
			t.Error("a move writing an absolute symbolic link succeeded")
		}
		// go-git's checkout writes it inside the work tree: not as the index names it.
		wt = r.add(t, abs)
		next := r.commit(t, map[string]string{"version": "2\n"})
		if err := wt.Reuse(ctx, next, "test", 0); !errors.Is(err, ErrWorktreeChanged) {
			t.Errorf("reuse of a checkout with an absolute link: %v, want ErrWorktreeChanged", err)
		}
	})
	t.Run("only the files changed count against the limit", func(t *testing.T) {
		r := newReuseRepo(t)
		wt := r.add(t, r.w.Head(t))
		small := r.commit(t, map[string]string{"version": "2\n"})
		if err := wt.Reuse(ctx, small, "test", 0, WithMaxBytes(3*entryBytes)); err != nil {
			t.Fatalf("a one-file change within 12 KiB: %v", err)
		}
		big := r.commit(t, map[string]string{"big.txt": strings.Repeat("x", 64<<10)})
		err := wt.Reuse(ctx, big, "test", 0, WithMaxBytes(32<<10))
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("a 64 KiB file within 32 KiB: %v, want ErrTooLarge", err)
		}
	})
}
