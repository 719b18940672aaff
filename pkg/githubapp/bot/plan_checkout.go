package bot

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
)

// checkout is what a plan of a pull request reads, opened through pkg/source: the
// head commit, and the base commit once an offline plan needs it. Each is its commit
// alone (depth 1), within --max-clone-bytes; Close removes both.
type checkout struct {
	head     *source.Source
	base     *source.Source
	openBase func() (*source.Source, error)
}

// checkout clones the head of the pull request; the base is cloned by baseDir, once.
func (p *Planner) checkout(ctx context.Context, j prJob, pr *github.PullRequest, auth transport.AuthMethod, log *slog.Logger) (*checkout, error) {
	gitLog := log.With("component", "git")
	open := func(repo *github.Repository, sha string) (*source.Source, error) {
		o := source.Options{Source: repo.GetCloneURL(), Ref: sha, Auth: auth, MaxCloneBytes: p.MaxCloneBytes}
		return o.Open(ctx, gitLog)
	}
	head, err := open(pr.GetHead().GetRepo(), pr.GetHead().GetSHA())
	if err != nil {
		return nil, fmt.Errorf("clone the head of %s: %w", j.key(), cloneError(err))
	}
	return &checkout{head: head, openBase: func() (*source.Source, error) {
		base, err := open(pr.GetBase().GetRepo(), pr.GetBase().GetSHA())
		if err != nil {
			return nil, fmt.Errorf("clone the base of %s: %w", j.key(), cloneError(err))
		}
		return base, nil
	}}, nil
}

// headDir is the directory of the head commit.
func (c *checkout) headDir() string { return c.head.Root }

// baseDir is the directory of the base commit, cloned on the first call.
func (c *checkout) baseDir() (string, error) {
	if c.base == nil {
		b, err := c.openBase()
		if err != nil {
			return "", err
		}
		c.base = b
	}
	return c.base.Root, nil
}

// Close removes the clones.
func (c *checkout) Close() {
	c.head.Close()
	if c.base != nil {
		c.base.Close()
	}
}
