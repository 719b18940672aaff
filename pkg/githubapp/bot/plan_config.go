package bot

import (
	"context"
	"fmt"
	"net/http"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
)

// repoConfig reads .gitops.yaml of the default branch (absent: defaults).
func (p *Planner) repoConfig(ctx context.Context, gh *github.Client, j prJob, branch string) (*githubapp.RepoConfig, error) {
	fc, _, resp, err := gh.Repositories.GetContents(ctx, j.owner, j.repo, githubapp.RepoConfigFile, &github.RepositoryContentGetOptions{Ref: branch})
	var data []byte
	switch {
	case resp != nil && resp.StatusCode == http.StatusNotFound:
	case err != nil:
		return nil, fmt.Errorf("read %s of %s/%s: %w", githubapp.RepoConfigFile, j.owner, j.repo, err)
	default:
		text, err := fc.GetContent()
		if err != nil {
			return nil, fmt.Errorf("read %s of %s/%s: %w", githubapp.RepoConfigFile, j.owner, j.repo, err)
		}
		data = []byte(text)
	}
	return githubapp.ParseRepoConfig(githubapp.RepoConfigFile, data)
}
