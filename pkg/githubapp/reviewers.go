package githubapp

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// RequestReviewers asks users and teams (slugs of the repository's organization) to
// review pull request number.
func RequestReviewers(ctx context.Context, gh *github.Client, owner, repo string, number int, users, teams []string) error {
	if len(users) == 0 && len(teams) == 0 {
		return nil
	}
	in := github.ReviewersRequest{Reviewers: users, TeamReviewers: teams}
	return callAPI(ctx, fmt.Sprintf("request reviewers of %s/%s#%d", owner, repo, number), repoHints(owner, repo, "pull_requests: write"), func(ctx context.Context) error {
		_, _, err := gh.PullRequests.RequestReviewers(ctx, owner, repo, number, in)
		return err
	})
}
