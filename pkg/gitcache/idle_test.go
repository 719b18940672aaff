package gitcache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
)

// idleDirs are the idle work trees of c in its work directory.
func idleDirs(t *testing.T, c *Cache) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(c.work, c.idlePattern()))
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

func TestIdleWorktreeReused(t *testing.T) {
	rem := newRemote(t)
	r := rem.newRepo(t, "app", 20)
	c := newCache(t, Options{})
	first := checkout(t, c, r.url, "")
	// The plan opens the checkout in place (pkg/source), reads it, closes it.
	src, err := (&source.Options{Source: first.Dir}).Open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	src.Close()
	old := first.Dir
	first.Close()
	if n := len(idleDirs(t, c)); n != 1 {
		t.Fatalf("%d idle work trees after a read-only checkout closed, want 1", n)
	}

	second := r.push(t, "v2", map[string]string{"version": "2\n", "data/f003.txt": "", "deploy/new.yaml": "kind: Secret\n"})
	co := checkout(t, c, r.url, "")
	if !co.Reused || co.Revision != second {
		t.Fatalf("checkout of the next commit: reused %v at %s, want reused at %s", co.Reused, co.Revision, second)
	}
	if co.Dir == old {
		t.Error("the reused work tree kept its old path")
	}
	if _, err := os.Stat(old); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the old path still leads somewhere: %v", err)
	}
	if readFile(t, co.Dir, "version") != "2\n" || readFile(t, co.Dir, "deploy/new.yaml") != "kind: Secret\n" {
		t.Error("the reused work tree has the wrong files")
	}
	if _, err := os.Stat(filepath.Join(co.Dir, "data/f003.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a removed file is still there: %v", err)
	}
	src, err = (&source.Options{Source: co.Dir}).Open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if src.Revision != second || src.Dirty() {
		t.Errorf("source at %s (dirty %v), want %s clean", src.Revision, src.Dirty(), second)
	}
	src.Close()
	if used, _ := c.Usage(); used <= 0 {
		t.Errorf("usage %d", used)
	}
	co.Close()
	// Closing the cache removes the idle work trees.
	c.Close()
	if dirs := idleDirs(t, c); len(dirs) != 0 {
		t.Errorf("idle work trees after Close: %v", dirs)
	}
}

// TestIdleWorktreeWrittenTo: whatever a job wrote into its checkout, the next
// checkout of the repository never sees it (the tree is checked out anew).
func TestIdleWorktreeWrittenTo(t *testing.T) {
	outside := t.TempDir()
	tests := []struct {
		name  string
		write func(t *testing.T, co *Checkout)
	}{
		{name: "an extra file", write: func(t *testing.T, co *Checkout) {
			write(t, filepath.Join(co.Dir, "deploy/extra.yaml"), "kind: Secret\n")
		}},
		{name: "an ignored file", write: func(t *testing.T, co *Checkout) {
			write(t, filepath.Join(co.Dir, ".gitignore"), "*.tgz\n") // the repository has none
			write(t, filepath.Join(co.Dir, "charts/app.tgz"), "chart\n")
		}},
		{name: "a file changed", write: func(t *testing.T, co *Checkout) {
			write(t, filepath.Join(co.Dir, "deploy/app.yaml"), "kind: Secret\n")
		}},
		{name: "a directory replaced by a symbolic link out of the tree", write: func(t *testing.T, co *Checkout) {
			write(t, filepath.Join(outside, "app.yaml"), "kind: Secret\n")
			if err := os.RemoveAll(filepath.Join(co.Dir, "deploy")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(outside, filepath.Join(co.Dir, "deploy")); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "opened as a Repo (the image bumper)", write: func(t *testing.T, co *Checkout) {
			if _, err := co.Repo(); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rem := newRemote(t)
			r := rem.newRepo(t, "app", 4)
			c := newCache(t, Options{})
			co := checkout(t, c, r.url, "")
			tt.write(t, co)
			co.Close()
			r.push(t, "v2", map[string]string{"version": "2\n"})
			next := checkout(t, c, r.url, "")
			if next.Reused {
				t.Error("the tree written to was reused")
			}
			fi, err := os.Lstat(filepath.Join(next.Dir, "deploy"))
			if err != nil || !fi.IsDir() {
				t.Fatalf("deploy is not a directory: %v", err)
			}
			if got := readFile(t, next.Dir, "deploy/app.yaml"); got != "kind: ConfigMap\n" {
				t.Errorf("deploy/app.yaml is %q", got)
			}
			for _, p := range []string{"deploy/extra.yaml", "charts", ".gitignore"} {
				if _, err := os.Lstat(filepath.Join(next.Dir, p)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s is there: %v", p, err)
				}
			}
			if readFile(t, next.Dir, "version") != "2\n" {
				t.Error("wrong version")
			}
			// The fresh tree, untouched, is reused next.
			next.Close()
			r.push(t, "v3", map[string]string{"version": "3\n"})
			if co := checkout(t, c, r.url, ""); !co.Reused || readFile(t, co.Dir, "version") != "3\n" {
				t.Errorf("an untouched tree: reused %v, version %q", co.Reused, readFile(t, co.Dir, "version"))
			}
		})
	}
}

// TestIdleWorktreeConcurrent: checkouts of one repository running together never
// share a work tree, and each holds its commit's files.
func TestIdleWorktreeConcurrent(t *testing.T) {
	rem := newRemote(t)
	r := rem.newRepo(t, "app", 10)
	var shas []string
	for _, v := range []string{"a", "b", "c"} {
		shas = append(shas, r.push(t, v, map[string]string{"version": v + "\n", "data/" + v: v}))
	}
	c := newCache(t, Options{})
	var mu sync.Mutex
	open := map[string]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 6 {
				sha := shas[(g+i)%len(shas)]
				co, err := c.Checkout(context.Background(), Request{URL: r.url, Ref: sha})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if open[co.Dir] {
					errs <- fmt.Errorf("two checkouts share %s", co.Dir)
				}
				open[co.Dir] = true
				mu.Unlock()
				want := map[string]string{shas[0]: "a\n", shas[1]: "b\n", shas[2]: "c\n"}[sha]
				if b, err := os.ReadFile(filepath.Join(co.Dir, "version")); err != nil || string(b) != want {
					errs <- fmt.Errorf("checkout of %s: version %q (%v), want %q", sha[:7], b, err, want)
				}
				mu.Lock()
				delete(open, co.Dir)
				mu.Unlock()
				co.Close()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(idleDirs(t, c)); n > defaultIdle {
		t.Errorf("%d idle work trees, want at most %d", n, defaultIdle)
	}
}

// TestIdleWorktreeRemoval: idle work trees go with their repository (Forget,
// ForgetName, ForgetUnlisted, eviction), first under the budget, and those a killed
// process left go at the next start.
func TestIdleWorktreeRemoval(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, c *Cache, r *repo) *Cache
	}{
		{name: "Forget", run: func(t *testing.T, c *Cache, r *repo) *Cache { c.Forget(r.url); return c }},
		{name: "ForgetName", run: func(t *testing.T, c *Cache, r *repo) *Cache { c.ForgetName("acme/app"); return c }},
		{name: "ForgetUnlisted", run: func(t *testing.T, c *Cache, r *repo) *Cache {
			c.ForgetUnlisted(func(string, string) bool { return false })
			return c
		}},
		{name: "Forget while in use: with its last checkout", run: func(t *testing.T, c *Cache, r *repo) *Cache {
			co := checkout(t, c, r.url, "")
			c.Forget(r.url)
			co.Close()
			return c
		}},
		{name: "over the budget: idle trees before repositories", run: func(t *testing.T, c *Cache, r *repo) *Cache {
			repoBytes := c.entries[Key("", r.url)].size
			c.budget = repoBytes + 1
			c.evict()
			if _, n := c.Usage(); n != 1 {
				t.Error("the repository went before its idle work tree")
			}
			return c
		}},
		{name: "a killed process's, at the next start", run: func(t *testing.T, c *Cache, r *repo) *Cache {
			// The process dies with an idle tree (its lock goes, nothing is removed),
			// one being moved (its record pointing at its checkout name), and a checkout
			// whose record points elsewhere.
			idle := idleDirs(t, c)[0]
			moved := filepath.Join(c.work, checkoutPrefix+c.id+"-1234")
			write(t, filepath.Join(moved, "version"), "1\n")
			if err := c.lock.Close(); err != nil {
				t.Fatal(err)
			}
			again, err := New(Options{Dir: c.dir, WorkDir: c.work})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { again.Close() })
			for _, d := range []string{idle, moved} {
				if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s left after start: %v", d, err)
				}
			}
			return again
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rem := newRemote(t)
			r := rem.newRepo(t, "app", 4)
			c := newCache(t, Options{})
			named(t, c, r.url, "acme/app").Close()
			if n := len(idleDirs(t, c)); n != 1 {
				t.Fatalf("%d idle work trees, want 1", n)
			}
			c = tt.run(t, c, r)
			if dirs := idleDirs(t, c); len(dirs) != 0 {
				t.Errorf("idle work trees left: %v", dirs)
			}
			if used, _ := c.Usage(); used != c.idleBytes()+sumSizes(c) || c.idleBytes() != 0 {
				t.Errorf("usage %d with no idle tree (idle bytes %d)", used, c.idleBytes())
			}
			if co := checkout(t, c, r.url, ""); co.Reused || readFile(t, co.Dir, "version") != "1\n" {
				t.Errorf("checkout after the removal: reused %v", co.Reused)
			}
		})
	}
}

func sumSizes(c *Cache) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n int64
	for _, e := range c.entries {
		n += e.size
	}
	return n
}
