package gitcache

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestForget(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, c *Cache, r *repo) (gone bool)
	}{
		{name: "unused: removed at once", run: func(t *testing.T, c *Cache, r *repo) bool {
			checkout(t, c, r.url, "main").Close()
			c.Forget(r.url)
			return true
		}},
		{name: "in use: removed when its last job ends", run: func(t *testing.T, c *Cache, r *repo) bool {
			a, b := checkout(t, c, r.url, "main"), checkout(t, c, r.url, "main")
			c.Forget(r.url)
			a.Close()
			if _, n := c.Usage(); n != 1 {
				t.Errorf("removed while a job uses it")
			}
			if readFile(t, b.Dir, "version") != "1\n" {
				t.Error("the open checkout lost its files")
			}
			b.Close()
			return true
		}},
		{name: "another spelling of the URL (credentials, .git, case of the host)", run: func(t *testing.T, c *Cache, r *repo) bool {
			checkout(t, c, r.url, "main").Close()
			c.Forget(strings.Replace(strings.TrimSuffix(r.url, ".git"), "http://", "http://x-access-token:secret@", 1))
			return true
		}},
		{name: "by name, in any case", run: func(t *testing.T, c *Cache, r *repo) bool {
			named(t, c, r.url, "Acme/App").Close()
			if n := c.ForgetName("acme/app"); n != 1 {
				t.Errorf("ForgetName forgot %d repositories, want 1", n)
			}
			return true
		}},
		{name: "by a name the cache does not hold: nothing", run: func(t *testing.T, c *Cache, r *repo) bool {
			named(t, c, r.url, "acme/app").Close()
			if n := c.ForgetName("acme/other"); n != 0 {
				t.Errorf("ForgetName forgot %d repositories, want 0", n)
			}
			return false
		}},
		{name: "a URL the cache does not hold: nothing", run: func(t *testing.T, c *Cache, r *repo) bool {
			checkout(t, c, r.url, "main").Close()
			c.Forget(r.url + "-other")
			return false
		}},
		{name: "after a restart: the URL and name are known from its used file", run: func(t *testing.T, c *Cache, r *repo) bool {
			named(t, c, r.url, "acme/app").Close()
			c.Close()
			again, err := New(Options{Dir: c.Dir(), WorkDir: c.work})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { again.Close() })
			*c = Cache{} // the old one is closed: look at the new one
			if urls := again.URLs(); !slices.Equal(urls, []string{r.url}) {
				t.Errorf("URLs after a restart: %v, want %s", urls, r.url)
			}
			if n := again.ForgetName("acme/app"); n != 1 {
				t.Errorf("ForgetName after a restart forgot %d repositories, want 1", n)
			}
			if _, n := again.Usage(); n != 0 {
				t.Errorf("%d repositories after Forget", n)
			}
			return true
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rem := newRemote(t)
			r := rem.newRepo(t, "app", 2)
			c := newCache(t, Options{})
			key := Key("", r.url)
			gone := tt.run(t, c, r)
			if c.repos == "" { // restarted: checked in run
				return
			}
			_, err := os.Stat(c.bare(key))
			if gone != errors.Is(err, os.ErrNotExist) {
				t.Errorf("repository gone: %v, want %v", errors.Is(err, os.ErrNotExist), gone)
			}
			if _, n := c.Usage(); (n == 0) != gone {
				t.Errorf("%d repositories cached, gone %v", n, gone)
			}
			if _, err := os.Stat(c.usedFile(key)); gone && !errors.Is(err, os.ErrNotExist) {
				t.Errorf("used file left: %v", err)
			}
			if gone && len(c.URLs()) != 0 {
				t.Errorf("URLs %v after Forget", c.URLs())
			}
			// Checked out again from nothing.
			if co := checkout(t, c, r.url, "main"); readFile(t, co.Dir, "version") != "1\n" {
				t.Error("wrong files after Forget")
			}
		})
	}
}

// TestRemovedRepository: a repository the credentials no longer reach (removed from
// the installation, or deleted) fails with an error naming it; the cache serves no
// stale copy of a branch.
func TestRemovedRepository(t *testing.T) {
	rem := newRemote(t)
	r := rem.newRepo(t, "app", 2)
	c := newCache(t, Options{})
	co := checkout(t, c, r.url, "main")
	head := co.Revision
	co.Close()
	if err := os.RemoveAll(r.bare); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"main", ""} {
		_, err := c.Checkout(context.Background(), Request{URL: r.url, Ref: ref})
		if err == nil || !strings.Contains(err.Error(), r.url) {
			t.Errorf("checkout of %q of a removed repository: %v, want an error naming %s", ref, err, r.url)
		}
	}
	// Forgotten (the bot's installation events), not even its commits are served.
	c.Forget(r.url)
	if _, err := c.Checkout(context.Background(), Request{URL: r.url, Ref: head}); err == nil || !strings.Contains(err.Error(), r.url) {
		t.Errorf("checkout of a commit of a forgotten, removed repository: %v, want an error naming %s", err, r.url)
	}
}

// named checks the default branch of url out under name.
func named(t *testing.T, c *Cache, url, name string) *Checkout {
	t.Helper()
	co, err := c.Checkout(context.Background(), Request{URL: url, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return co
}
