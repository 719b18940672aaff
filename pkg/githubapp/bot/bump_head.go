package bot

import (
	"context"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
)

// DefaultHead is the commit repo's default branch points at now: one GitHub call
// answered with 40 bytes, conditional on known (a 304 while the branch has not moved,
// free of the rate limit). It implements HeadReader.
func (b *GitHubBumper) DefaultHead(ctx context.Context, repo RepoRef, known string) (string, error) {
	return githubapp.DefaultBranchHead(ctx, b.App.Installation(repo.Installation), repo.Owner, repo.Name, known)
}
