package bot

import (
	"context"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/repoconfig"
)

// repoConfig reads .gitops.yaml of the default branch (absent: defaults).
func (p *Planner) repoConfig(ctx context.Context, gh *github.Client, j prJob, branch string) (*repoconfig.Config, error) {
	data, _, err := githubapp.GetFileContent(ctx, gh, j.owner, j.repo, repoconfig.File, branch)
	if err != nil {
		return nil, err
	}
	return repoconfig.Parse(repoconfig.File, data)
}
