package bot

import (
	"context"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
)

// repoConfig reads .gitops.yaml of the default branch (absent: defaults).
func (p *Planner) repoConfig(ctx context.Context, gh *github.Client, j prJob, branch string) (*githubapp.RepoConfig, error) {
	data, _, err := githubapp.GetFileContent(ctx, gh, j.owner, j.repo, githubapp.RepoConfigFile, branch)
	if err != nil {
		return nil, err
	}
	return githubapp.ParseRepoConfig(githubapp.RepoConfigFile, data)
}
