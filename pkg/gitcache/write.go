package gitcache

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
)

// Repo opens the checkout as a gitrepo.Repo at its commit, whose remote is the
// Request's URL with its credentials, its fetches bounded by its MaxBytes: for a job
// that commits on top of the commit and pushes (the bot's image-bump branches). Its
// Commit and FetchBranches write into the cached repository, which other jobs share:
// call them inside Write. Its Close leaves the checkout (Checkout.Close removes it,
// never keeping it idle once Repo was called).
func (co *Checkout) Repo() (*gitrepo.Repo, error) {
	co.written.Store(true) // its work tree is never kept idle
	return co.wt.Repo(co.req.URL, gitrepo.WithAuth(co.req.Auth), gitrepo.WithMaxBytes(co.req.MaxBytes), gitrepo.WithLogger(co.c.log))
}

// Write runs fn, which writes into the cached repository through the checkout's Repo
// (a commit's objects, a fetch of branches, a push), under the repository's lock: no
// fetch, repair or removal of it runs meanwhile, and what fn writes is never removed
// while the checkout is open (its objects stay until the repository goes). The refs fn
// leaves outside the cache's own (a fetch's remote-tracking refs) are removed after
// it: the repository offers only its kept commits as haves, and the objects fn wrote
// are read by their ids. A marker beside the repository stays while fn runs, so that a
// process killed meanwhile leaves a repository the next start repairs; a fn that fails
// leaves one repaired at once.
func (co *Checkout) Write(ctx context.Context, fn func() error) error {
	c, e := co.c, co.e
	if co.closed.Load() {
		return errors.New("git cache: write into a closed checkout")
	}
	co.written.Store(true)
	if err := e.lock(ctx); err != nil {
		return err
	}
	defer e.unlock()
	marker := c.marker(e.key)
	if err := os.WriteFile(marker, nil, 0o640); err != nil {
		return fmt.Errorf("git cache: mark %s: %w", marker, err)
	}
	bare := c.bare(e.key)
	err := fn()
	if _, rerr := gitrepo.RemoveRefsOutside(bare, gitrepo.MirrorRefPrefix); rerr != nil {
		err = errors.Join(err, rerr)
	}
	c.setSize(e)
	if err != nil {
		if rerr := c.repair(e.key); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	if err := os.Remove(marker); err != nil {
		return fmt.Errorf("git cache: remove %s: %w", marker, err)
	}
	return nil
}
