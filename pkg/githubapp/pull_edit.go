package githubapp

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// EditPullRequest sets the title and body of pull request number.
func EditPullRequest(ctx context.Context, gh *github.Client, owner, repo string, number int, title, body string) error {
	in := &github.PullRequest{Title: github.String(title), Body: github.String(body)}
	return callAPI(ctx, fmt.Sprintf("edit pull request %s/%s#%d", owner, repo, number), repoHints(owner, repo, "pull_requests: write"), func(ctx context.Context) error {
		_, _, err := gh.PullRequests.Edit(ctx, owner, repo, number, in)
		return err
	})
}
