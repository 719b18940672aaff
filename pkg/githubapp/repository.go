package githubapp

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// GetRepository reads a repository: its default branch, clone URL and web address.
func GetRepository(ctx context.Context, gh *github.Client, owner, repo string) (*github.Repository, error) {
	var out *github.Repository
	err := callAPI(ctx, fmt.Sprintf("read repository %s/%s", owner, repo), repoHints(owner, repo, "metadata: read"), func(ctx context.Context) error {
		r, _, err := gh.Repositories.Get(ctx, owner, repo)
		out = r
		return err
	})
	if err != nil {
		return nil, err
	}
	if out.GetDefaultBranch() == "" {
		return nil, fmt.Errorf("repository %s/%s has no default branch (empty repository?)", owner, repo)
	}
	return out, nil
}
