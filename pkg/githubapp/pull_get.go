package githubapp

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// GetPullRequest reads pull request number of owner/repo: its state, head and base.
func GetPullRequest(ctx context.Context, gh *github.Client, owner, repo string, number int) (*github.PullRequest, error) {
	var out *github.PullRequest
	err := callAPI(ctx, fmt.Sprintf("read pull request %s/%s#%d", owner, repo, number), repoHints(owner, repo, "pull_requests: read"), func(ctx context.Context) error {
		pr, _, err := gh.PullRequests.Get(ctx, owner, repo, number)
		out = pr
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
