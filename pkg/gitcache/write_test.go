package gitcache

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
)

// TestWrite is a job that commits on top of a checkout and force-pushes a branch, as
// the bot's image bumper does, next to the cache's other jobs.
func TestWrite(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, c *Cache, rem *remote, r *repo, co *Checkout, repo *gitrepo.Repo)
	}{
		{name: "commit, fetch branches and force-push leave the cache whole", run: func(t *testing.T, c *Cache, rem *remote, r *repo, co *Checkout, repo *gitrepo.Repo) {
			ctx := context.Background()
			r.Git(t, "push", "-q", "origin", "HEAD:refs/heads/gitops/image/old")
			if err := os.WriteFile(filepath.Join(co.Dir, "version"), []byte("bumped\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			var sha string
			if err := co.Write(ctx, func() (err error) {
				sha, err = repo.Commit("bump", gitrepo.CommitOptions{Paths: []string{"version"}})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			var branches map[string]string
			if err := co.Write(ctx, func() (err error) {
				branches, err = repo.FetchBranches(ctx, "gitops/image/")
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if branches["gitops/image/old"] != co.Revision || len(branches) != 1 {
				t.Errorf("branches %v, want gitops/image/old at %s", branches, co.Revision)
			}
			// Read by its id: the fetch's refs are gone.
			if info, err := repo.CommitInfo(branches["gitops/image/old"]); err != nil || info.SHA != co.Revision {
				t.Errorf("commit info of the fetched tip: %+v, %v", info, err)
			}
			if err := co.Write(ctx, func() error { return repo.ForcePush(ctx, "gitops/image/app") }); err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(r.Git(t, "-C", r.bare, "rev-parse", "refs/heads/gitops/image/app")); got != sha {
				t.Errorf("remote branch at %s, want the commit %s", got, sha)
			}
			refs := r.Git(t, "-C", c.bare(co.e.key), "for-each-ref", "--format=%(refname)")
			for _, ref := range strings.Fields(refs) {
				if !strings.HasPrefix(ref, gitrepo.MirrorRefPrefix) {
					t.Errorf("the cached repository keeps ref %s", ref)
				}
			}
			if _, err := os.Stat(c.marker(co.e.key)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("marker left after the writes: %v", err)
			}
			if err := co.Close(); err != nil {
				t.Fatal(err)
			}
			if err := gitrepo.RepairMirror(c.bare(co.e.key)); err != nil {
				t.Errorf("the cached repository after the writes: %v", err)
			}
			// The pushed branch is checked out from the cache like any other.
			if got := checkout(t, c, r.url, "gitops/image/app"); readFile(t, got.Dir, "version") != "bumped\n" {
				t.Errorf("pushed branch has version %q", readFile(t, got.Dir, "version"))
			}
		}},
		{name: "a fetch of the same repository waits for the write", run: func(t *testing.T, c *Cache, rem *remote, r *repo, co *Checkout, repo *gitrepo.Repo) {
			next := r.push(t, "next", map[string]string{"version": "next\n"})
			done := make(chan error, 1)
			var inWrite bool
			err := co.Write(context.Background(), func() error {
				go func() {
					other, err := c.Checkout(context.Background(), Request{URL: r.url, Ref: next})
					if err == nil {
						other.Close()
					}
					done <- err
				}()
				select {
				case err := <-done:
					t.Errorf("a fetch ran during the write: %v", err)
				case <-time.After(300 * time.Millisecond):
				}
				inWrite = true
				return nil
			})
			if err != nil || !inWrite {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Errorf("the fetch after the write: %v", err)
			}
		}},
		{name: "a failed write is repaired at once", run: func(t *testing.T, c *Cache, rem *remote, r *repo, co *Checkout, repo *gitrepo.Repo) {
			tmp := filepath.Join(c.bare(co.e.key), "objects", "pack", "tmp_pack_cut")
			boom := errors.New("boom")
			err := co.Write(context.Background(), func() error {
				if err := os.WriteFile(tmp, []byte("half a pack"), 0o644); err != nil {
					t.Fatal(err)
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("write: %v, want boom", err)
			}
			for _, p := range []string{tmp, c.marker(co.e.key)} {
				if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s left after a failed write: %v", filepath.Base(p), err)
				}
			}
			if readFile(t, co.Dir, "version") != "1\n" {
				t.Error("the checkout changed")
			}
		}},
		{name: "a write into a closed checkout is refused", run: func(t *testing.T, c *Cache, rem *remote, r *repo, co *Checkout, repo *gitrepo.Repo) {
			co.Close()
			if err := co.Write(context.Background(), func() error { t.Error("fn ran"); return nil }); err == nil {
				t.Error("no error")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rem := newRemote(t)
			r := rem.newRepo(t, "app", 4)
			r.Git(t, "-C", r.bare, "config", "http.receivepack", "true")
			c := newCache(t, Options{})
			co := checkout(t, c, r.url, "main")
			repo, err := co.Repo()
			if err != nil {
				t.Fatal(err)
			}
			tt.run(t, c, rem, r, co, repo)
		})
	}
}
