package gitcache

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
)

func TestKilledProcessLeftovers(t *testing.T) {
	tests := []struct {
		name string
		// leave simulates what a killed process left in the cache of key (bare is its
		// repository, work the checkouts' directory).
		leave func(t *testing.T, bare, marker, work string)
		kept  bool // the repository is repaired, not removed
	}{
		{name: "a fetch cut short: temporary pack, lock files", kept: true, leave: func(t *testing.T, bare, marker, work string) {
			write(t, marker, "")
			write(t, filepath.Join(bare, "objects", "pack", "tmp_pack_123"), "PACK partial")
			write(t, filepath.Join(bare, "refs", "gitcache", "x.lock"), "")
			write(t, filepath.Join(bare, "packed-refs.lock"), "")
		}},
		{name: "a pack without its index", kept: true, leave: func(t *testing.T, bare, marker, work string) {
			write(t, marker, "")
			write(t, filepath.Join(bare, "objects", "pack", "pack-0123456789012345678901234567890123456789.pack"), "PACK partial")
		}},
		{name: "a ref to an object it never got", leave: func(t *testing.T, bare, marker, work string) {
			write(t, marker, "")
			write(t, filepath.Join(bare, "refs", "gitcache", strings.Repeat("ab", 20)), strings.Repeat("ab", 20)+"\n")
		}},
		{name: "a repository made but never fetched into", leave: func(t *testing.T, bare, marker, work string) {
			write(t, marker, "")
			if err := os.RemoveAll(filepath.Join(bare, "HEAD")); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "a checkout never removed", kept: true, leave: func(t *testing.T, bare, marker, work string) {
			dir := filepath.Join(work, "gitcache-checkout-42")
			write(t, filepath.Join(dir, "version"), "1\n")
			write(t, filepath.Join(bare, "worktrees", "gitcache-checkout-42", "gitdir"), filepath.Join(dir, ".git")+"\n")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rem := newRemote(t)
			r := rem.newRepo(t, "app", 4)
			first := r.Head(t)
			dir, work := t.TempDir(), t.TempDir()
			c, err := New(Options{Dir: dir, WorkDir: work})
			if err != nil {
				t.Fatal(err)
			}
			if co, err := c.Checkout(context.Background(), Request{URL: r.url, Ref: first}); err != nil {
				t.Fatal(err)
			} else {
				co.Close()
			}
			// A second process is refused while the first holds the directory.
			if _, err := New(Options{Dir: dir, WorkDir: work}); err == nil || !strings.Contains(err.Error(), "in use by another process") {
				t.Errorf("a second process on the cache: %v, want in use", err)
			}
			c.Close() // the process dies: its lock goes with it

			key := Key("", r.url)
			tt.leave(t, c.bare(key), c.marker(key), work)
			c = newCache(t, Options{Dir: dir, WorkDir: work})
			if _, err := os.Stat(c.marker(key)); !os.IsNotExist(err) {
				t.Errorf("marker still there after start: %v", err)
			}
			leftovers, _ := filepath.Glob(filepath.Join(work, "gitcache-checkout-*"))
			worktrees, _ := filepath.Glob(filepath.Join(c.bare(key), "worktrees", "*"))
			if len(leftovers)+len(worktrees) > 0 {
				t.Errorf("left after start: checkouts %v, work tree records %v", leftovers, worktrees)
			}
			_, repos := c.Usage()
			if got := repos == 1; got != tt.kept {
				t.Errorf("repository kept: %v, want %v", got, tt.kept)
			}
			if tt.kept {
				if err := gitrepo.RepairMirror(c.bare(key)); err != nil {
					t.Errorf("repaired repository: %v", err)
				}
			}
			rem.reset()
			co := checkout(t, c, r.url, first)
			if readFile(t, co.Dir, "version") != "1\n" {
				t.Error("wrong files after the repair")
			}
			if n, _ := rem.reset(); tt.kept && n != 0 {
				t.Errorf("a repaired cache made %d requests for a commit it holds", n)
			}
		})
	}
}

func TestEvictionUnderBudget(t *testing.T) {
	rem := newRemote(t)
	repos := []*repo{rem.newRepo(t, "a", 30), rem.newRepo(t, "b", 30), rem.newRepo(t, "c", 30)}
	c := newCache(t, Options{})
	co := checkout(t, c, repos[0].url, "")
	one, _ := c.Usage()
	co.Close()
	// Room for two repositories and a half.
	c.budget = one * 5 / 2

	for _, r := range repos[1:] {
		co := checkout(t, c, r.url, "")
		co.Close()
	}
	used, n := c.Usage()
	if n != 2 || used > c.budget {
		t.Fatalf("%d repositories, %d bytes, want 2 within %d", n, used, c.budget)
	}
	if _, err := os.Stat(c.bare(Key("", repos[0].url))); !os.IsNotExist(err) {
		t.Errorf("the least recently used repository is still there: %v", err)
	}

	// A repository in use stays, even alone over the budget, and goes once unused.
	c.budget = 1
	co = checkout(t, c, repos[2].url, "")
	if _, n := c.Usage(); n != 1 {
		t.Errorf("%d repositories with one in use over the budget, want 1", n)
	}
	if readFile(t, co.Dir, "version") != "1\n" {
		t.Error("the checkout in use lost its files")
	}
	co.Close()
	if used, n := c.Usage(); n != 0 || used != 0 {
		t.Errorf("%d repositories (%d bytes) after the last use, want none", n, used)
	}
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
