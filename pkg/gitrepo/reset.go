package gitrepo

import (
	"fmt"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// ResetTo moves the clone's checked-out commit to sha (full or abbreviated), discarding
// changes in the work tree and local commits after it, so that another commit can be
// made from the same start (a branch per change, each one commit ahead of sha).
func (r *Repo) ResetTo(sha string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, err := r.repo.ResolveRevision(plumbing.Revision(sha))
	if err != nil {
		return &refNotFoundError{ref: sha, url: r.url}
	}
	c, err := peel(r.repo, *h)
	if err != nil {
		return err
	}
	wt, err := r.repo.Worktree()
	if err != nil {
		return fmt.Errorf("open work tree %s: %w", r.dir, err)
	}
	if err := wt.Reset(&git.ResetOptions{Commit: c, Mode: git.HardReset}); err != nil {
		return fmt.Errorf("reset %s to %s: %w", r.dir, ShortSHA(c.String(), 12), err)
	}
	r.rev = c
	return nil
}
