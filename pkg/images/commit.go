package images

import (
	"context"
	"errors"
	"fmt"

	git "github.com/go-git/go-git/v5"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
)

// commit commits the written files (absolute paths) and pushes when asked. It returns
// the commit sha and the branch pushed to ("" when not pushed).
func (c *CommitSettings) commit(ctx context.Context, src *source.Source, written []string, msg string) (string, string, error) {
	if !c.Commit || len(written) == 0 {
		return "", "", nil
	}
	if src.Repo == nil {
		return "", "", errors.New("internal error: no git repository opened to commit to")
	}
	if c.Message != "" {
		msg = c.Message
	}
	sha, err := src.Repo.Commit(msg, gitrepo.CommitOptions{
		Paths: written, Author: c.User, Email: c.Email, CISkip: c.CISkip, CISkipMessage: c.CISkipMessage,
	})
	if err != nil {
		return "", "", err
	}
	if !c.Push {
		return sha, "", nil
	}
	branch := c.Branch
	if branch == "" {
		branch = src.Repo.Branch()
	}
	if branch == "" {
		branch = currentBranch(src.Repo.Dir())
	}
	if branch == "" {
		return sha, "", fmt.Errorf("committed %s but cannot tell which branch to push to (detached HEAD): pass --git-branch", sha)
	}
	if err := src.Repo.Push(ctx, branch); err != nil {
		return sha, "", fmt.Errorf("committed %s but push failed: %w", sha, err)
	}
	return sha, branch, nil
}

// currentBranch is the branch checked out in the work tree at dir ("" when detached).
func currentBranch(dir string) string {
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		return ""
	}
	head, err := repo.Head()
	if err != nil || !head.Name().IsBranch() {
		return ""
	}
	return head.Name().Short()
}
