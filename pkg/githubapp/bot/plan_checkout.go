package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitcache"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
)

// checkout is what a plan of a pull request reads, a work tree that pkg/source opens:
// the head commit, and the base commit once an offline plan needs it. Each is its
// commit alone (depth 1, or what the git cache lacks of it), within --max-clone-bytes;
// Close removes both.
type checkout struct {
	head     *workTree
	base     *workTree
	openBase func() (*workTree, error)
}

// workTree is one commit checked out: a clone, or a checkout of the git cache.
type workTree struct {
	dir      string
	revision string
	close    func()
}

// openCommit checks commit ref (a sha, or a branch: "" for the default one) of repo
// out with installation inst's credentials (auth): from the git cache when there is
// one (the installation's own copy, named by the repository's full name, so that
// removing it from the installation forgets it), else by a clone of its own. Either
// is bounded by --max-clone-bytes.
func (p *Planner) openCommit(ctx context.Context, inst int64, repo *github.Repository, ref string, auth transport.AuthMethod, log *slog.Logger) (*workTree, error) {
	cloneURL := repo.GetCloneURL()
	if p.GitCache != nil {
		co, err := p.GitCache.Checkout(ctx, gitcache.Request{URL: cloneURL, Ref: ref, Auth: auth, MaxBytes: p.MaxCloneBytes,
			Name: repo.GetFullName(), Scope: cacheScope(inst)})
		if err != nil {
			return nil, err
		}
		return &workTree{dir: co.Dir, revision: co.Revision, close: func() { _ = co.Close() }}, nil
	}
	o := source.Options{Source: cloneURL, Ref: ref, Auth: auth, MaxCloneBytes: p.MaxCloneBytes}
	src, err := o.Open(ctx, log)
	if err != nil {
		return nil, err
	}
	return &workTree{dir: src.Root, revision: src.Revision, close: src.Close}, nil
}

// checkout clones the head of the pull request; the base is cloned by baseDir, once.
func (p *Planner) checkout(ctx context.Context, j prJob, pr *github.PullRequest, auth transport.AuthMethod, log *slog.Logger) (*checkout, error) {
	gitLog := log.With("component", "git")
	open := func(repo *github.Repository, sha string) (*workTree, error) {
		return p.openCommit(ctx, j.inst, repo, sha, auth, gitLog)
	}
	head, err := open(pr.GetHead().GetRepo(), pr.GetHead().GetSHA())
	if err != nil {
		return nil, fmt.Errorf("clone the head of %s: %w", j.key(), cloneError(err))
	}
	return &checkout{head: head, openBase: func() (*workTree, error) {
		base, err := open(pr.GetBase().GetRepo(), pr.GetBase().GetSHA())
		if err != nil {
			return nil, fmt.Errorf("clone the base of %s: %w", j.key(), cloneError(err))
		}
		return base, nil
	}}, nil
}

// headDir is the directory of the head commit.
func (c *checkout) headDir() string { return c.head.dir }

// baseDir is the directory of the base commit, cloned on the first call.
func (c *checkout) baseDir() (string, error) {
	if c.base == nil {
		b, err := c.openBase()
		if err != nil {
			return "", err
		}
		c.base = b
	}
	return c.base.dir, nil
}

// Close removes the clones.
func (c *checkout) Close() {
	c.head.close()
	if c.base != nil {
		c.base.close()
	}
}

// cacheScope is the git cache's scope of installation inst's checkouts: each
// installation reads its own copies, so that a commit fetched with one installation's
// token is never served to another's job without GitHub's say (gitcache.Request.Scope).
func cacheScope(inst int64) string { return strconv.FormatInt(inst, 10) }
