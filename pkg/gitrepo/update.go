package gitrepo

import (
	"context"
	"errors"
	"fmt"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
)

// Update brings the Repo to the newest commit of what it follows, for a polling loop,
// and reports whether the revision changed.
//
// A cloned branch or tag is fetched; when it moved, the new commit is checked out
// (local changes and unpushed commits in the clone are discarded). A commit never
// moves. A local work tree is not fetched or touched: its HEAD is re-read.
func (r *Repo) Update(ctx context.Context) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("update %s: %w", r.url, err)
	}

	var next plumbing.Hash
	switch r.follow {
	case followCommit:
		return false, nil
	case followHead:
		h, err := r.head()
		if err != nil {
			return false, fmt.Errorf("read HEAD of %s: %w", r.dir, err)
		}
		next = h
	case followBranch, followTag:
		h, err := r.fetchFollowed(ctx)
		if err != nil {
			return false, err
		}
		next = h
	}
	if next == r.rev {
		return false, nil
	}
	if r.follow != followHead {
		if err := r.checkout(next); err != nil {
			return false, err
		}
	}
	r.log.Info("git revision changed", "url", r.url, "ref", r.ref, "from", r.rev.String(), "to", next.String())
	r.rev = next
	return true, nil
}

// fetchFollowed fetches the followed branch or tag and returns the commit it names now.
func (r *Repo) fetchFollowed(ctx context.Context) (plumbing.Hash, error) {
	local := r.name // a tag is fetched onto itself
	if r.follow == followBranch {
		local = plumbing.NewRemoteReferenceName(r.remote, r.name.Short())
	}
	spec := config.RefSpec(fmt.Sprintf("+%s:%s", r.name, local))
	err := r.repo.FetchContext(ctx, &git.FetchOptions{
		RemoteName: r.remote,
		RefSpecs:   []config.RefSpec{spec},
		Auth:       r.auth,
		Tags:       git.NoTags,
		Force:      true,
	})
	var noMatch git.NoMatchingRefSpecError
	switch {
	case errors.As(err, &noMatch):
		return plumbing.ZeroHash, &refNotFoundError{ref: r.name.Short(), url: r.url}
	case err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate):
		return plumbing.ZeroHash, r.red.err(fmt.Errorf("fetch %s from %s: %w", r.name.Short(), r.url, transportError(err, hasCreds(r.rawURL, r.auth))))
	}
	ref, err := r.repo.Reference(local, true)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read %s in %s: %w", local, r.dir, err)
	}
	return peel(r.repo, ref.Hash())
}

// checkout moves the clone to commit h: a branch clone resets its branch (HEAD stays
// attached), a tag clone detaches HEAD at h.
func (r *Repo) checkout(h plumbing.Hash) error {
	wt, err := r.repo.Worktree()
	if err != nil {
		return fmt.Errorf("open work tree %s: %w", r.dir, err)
	}
	if r.follow == followBranch {
		err = wt.Reset(&git.ResetOptions{Commit: h, Mode: git.HardReset})
	} else {
		err = wt.Checkout(&git.CheckoutOptions{Hash: h, Force: true})
	}
	if err != nil {
		return fmt.Errorf("check out %s in %s: %w", h, r.dir, err)
	}
	return nil
}
