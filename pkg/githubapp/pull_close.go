package githubapp

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// ClosePullRequest comments why (when comment is not empty), then closes pull request
// number without merging it.
func ClosePullRequest(ctx context.Context, gh *github.Client, owner, repo string, number int, comment string) error {
	what := fmt.Sprintf("close pull request %s/%s#%d", owner, repo, number)
	hints := repoHints(owner, repo, "pull_requests: write")
	if comment != "" {
		err := callAPI(ctx, what+": comment", hints, func(ctx context.Context) error {
			_, _, err := gh.Issues.CreateComment(ctx, owner, repo, number, &github.IssueComment{Body: github.String(comment)})
			return err
		})
		if err != nil {
			return err
		}
	}
	return callAPI(ctx, what, hints, func(ctx context.Context) error {
		_, _, err := gh.PullRequests.Edit(ctx, owner, repo, number, &github.PullRequest{State: github.String("closed")})
		return err
	})
}
