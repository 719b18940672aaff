package gitcache

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
)

func TestCheckoutWarmFetchesLess(t *testing.T) {
	rem := newRemote(t)
	r := rem.newRepo(t, "app", 100) // ≈ 800 KiB of files
	first := r.Head(t)
	c := newCache(t, Options{})

	co := checkout(t, c, r.url, first)
	_, cold := rem.reset()
	if co.Revision != first || readFile(t, co.Dir, "version") != "1\n" {
		t.Fatalf("cold checkout at %s with version %q", co.Revision, readFile(t, co.Dir, "version"))
	}
	// pkg/source opens the checkout in place, as the bot's plan does: a clean work
	// tree at the commit.
	src, err := (&source.Options{Source: co.Dir}).Open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if src.Revision != first || src.Dirty() || src.Root != co.Dir {
		t.Errorf("source at %s (dirty %v, root %s), want %s clean at %s", src.Revision, src.Dirty(), src.Root, first, co.Dir)
	}
	src.Close()
	dir := co.Dir
	if err := co.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("checkout %s still there after Close: %v", dir, err)
	}

	second := r.push(t, "second", map[string]string{"version": "2\n"})
	co2 := checkout(t, c, r.url, second)
	_, warm := rem.reset()
	if readFile(t, co2.Dir, "version") != "2\n" || readFile(t, co2.Dir, "data/f042.txt") == "" {
		t.Fatal("warm checkout has the wrong files")
	}
	t.Logf("cold clone: %d bytes; warm fetch of one changed file: %d bytes", cold, warm)
	if warm*20 > cold {
		t.Errorf("warm fetch took %d bytes, want under 1/20 of the cold clone's %d", warm, cold)
	}

	// A commit the cache holds needs no request at all.
	checkout(t, c, r.url, first)
	if n, b := rem.reset(); n != 0 {
		t.Errorf("a cached commit made %d requests (%d bytes), want none", n, b)
	}
}

func TestCheckoutMovingRefs(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, c *Cache, rem *remote, r *repo)
	}{
		{name: "a force-pushed branch is read as it is now", run: func(t *testing.T, c *Cache, rem *remote, r *repo) {
			old := r.push(t, "v2", map[string]string{"version": "2\n"})
			if co := checkout(t, c, r.url, "main"); co.Revision != old {
				t.Fatalf("main at %s, want %s", co.Revision, old)
			}
			r.Git(t, "commit", "-q", "--amend", "-m", "v2 again")
			r.Write(t, map[string]string{"version": "amended\n"})
			amended := r.push(t, "amended", nil)
			co := checkout(t, c, r.url, "main")
			if co.Revision != amended || readFile(t, co.Dir, "version") != "amended\n" {
				t.Errorf("main at %s with version %q, want %s", co.Revision, readFile(t, co.Dir, "version"), amended)
			}
			// The commit the branch no longer names is still served by its sha.
			if co := checkout(t, c, r.url, old); readFile(t, co.Dir, "version") != "2\n" {
				t.Errorf("the old head has version %q", readFile(t, co.Dir, "version"))
			}
		}},
		{name: "a deleted branch is gone, its commits stay readable by sha", run: func(t *testing.T, c *Cache, rem *remote, r *repo) {
			r.Git(t, "checkout", "-q", "-b", "feature")
			tip := r.push(t, "feature", map[string]string{"version": "feature\n"})
			if co := checkout(t, c, r.url, "feature"); co.Revision != tip {
				t.Fatalf("feature at %s, want %s", co.Revision, tip)
			}
			r.Git(t, "push", "-q", "origin", ":feature")
			_, err := c.Checkout(context.Background(), Request{URL: r.url, Ref: "feature"})
			if !errors.Is(err, gitrepo.ErrRefNotFound) {
				t.Errorf("checkout of a deleted branch: %v, want ErrRefNotFound", err)
			}
			rem.reset()
			if co := checkout(t, c, r.url, tip); readFile(t, co.Dir, "version") != "feature\n" {
				t.Errorf("the deleted branch's tip has version %q", readFile(t, co.Dir, "version"))
			}
			if n, _ := rem.reset(); n != 0 {
				t.Errorf("a cached commit of a deleted branch made %d requests", n)
			}
		}},
		{name: "a rewritten history (a new root on the default branch)", run: func(t *testing.T, c *Cache, rem *remote, r *repo) {
			checkout(t, c, r.url, "")
			r.Git(t, "checkout", "-q", "--orphan", "new")
			r.Git(t, "rm", "-q", "-r", "--cached", ".")
			r.Git(t, "clean", "-q", "-f", "-d")
			root := r.Commit(t, "rewritten", map[string]string{"version": "rewritten\n"})
			r.Git(t, "push", "-q", "-f", "origin", "new:main")
			co := checkout(t, c, r.url, "")
			if co.Revision != root || readFile(t, co.Dir, "version") != "rewritten\n" {
				t.Errorf("default branch at %s, want the new root %s", co.Revision, root)
			}
			if _, err := os.Stat(filepath.Join(co.Dir, "data")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("files of the old history in the checkout: %v", err)
			}
		}},
		{name: "a remote that serves no commit by its id: the ref that names it", run: func(t *testing.T, c *Cache, rem *remote, r *repo) {
			for _, k := range []string{"uploadpack.allowAnySHA1InWant", "uploadpack.allowReachableSHA1InWant"} {
				r.Git(t, "-C", r.bare, "config", k, "false")
			}
			r.Git(t, "checkout", "-q", "-b", "pr")
			head := r.push(t, "pr", map[string]string{"version": "pr\n"})
			if co := checkout(t, c, r.url, head); readFile(t, co.Dir, "version") != "pr\n" {
				t.Errorf("version %q, want pr", readFile(t, co.Dir, "version"))
			}
		}},
		{name: "a commit over the byte limit fails and the cache still works", run: func(t *testing.T, c *Cache, rem *remote, r *repo) {
			big := r.push(t, "big", map[string]string{"big.txt": gitrepotest.RandomText(t, 1<<20)})
			_, err := c.Checkout(context.Background(), Request{URL: r.url, Ref: big, MaxBytes: 256 << 10})
			if !errors.Is(err, gitrepo.ErrTooLarge) {
				t.Fatalf("checkout over the limit: %v, want ErrTooLarge", err)
			}
			if co := checkout(t, c, r.url, big); readFile(t, co.Dir, "version") != "1\n" {
				t.Error("wrong files after a fetch over the limit")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rem := newRemote(t)
			r := rem.newRepo(t, "app", 4)
			tt.run(t, newCache(t, Options{}), rem, r)
		})
	}
}

func TestConcurrentJobsOfOneRepository(t *testing.T) {
	rem := newRemote(t)
	r := rem.newRepo(t, "app", 20)
	var shas []string
	for _, v := range []string{"a", "b", "c", "d"} {
		shas = append(shas, r.push(t, v, map[string]string{"version": v + "\n"}))
	}
	want := map[string]string{shas[0]: "a\n", shas[1]: "b\n", shas[2]: "c\n", shas[3]: "d\n"}
	c := newCache(t, Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sha := shas[i%len(shas)]
			co, err := c.Checkout(context.Background(), Request{URL: r.url, Ref: sha})
			if err != nil {
				errs <- err
				return
			}
			defer co.Close()
			b, err := os.ReadFile(filepath.Join(co.Dir, "version"))
			if err != nil || string(b) != want[sha] || co.Revision != sha {
				errs <- errors.New("job " + sha + ": wrong checkout " + co.Revision + " " + string(b))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// The repository is whole: every commit again, without a request.
	rem.reset()
	for _, sha := range shas {
		checkout(t, c, r.url, sha)
	}
	if n, _ := rem.reset(); n != 0 {
		t.Errorf("%d requests for commits the cache holds", n)
	}
	if _, n := c.Usage(); n != 1 {
		t.Errorf("%d repositories cached, want 1", n)
	}
}
