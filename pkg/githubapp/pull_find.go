package githubapp

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// FindPullRequest returns the open pull request whose head is branch of owner/repo
// (nil when there is none): GitHub allows one open pull request per head and base.
func FindPullRequest(ctx context.Context, gh *github.Client, owner, repo, branch string) (*github.PullRequest, error) {
	var out *github.PullRequest
	opts := &github.PullRequestListOptions{State: "open", Head: owner + ":" + branch, ListOptions: github.ListOptions{PerPage: 10}}
	err := callAPI(ctx, fmt.Sprintf("find the pull request of branch %s in %s/%s", branch, owner, repo), repoHints(owner, repo, "pull_requests: read"), func(ctx context.Context) error {
		list, _, err := gh.PullRequests.List(ctx, owner, repo, opts)
		for _, pr := range list {
			if pr.GetHead().GetRef() == branch {
				out = pr
				break
			}
		}
		return err
	})
	return out, err
}

// FindDeclinedPullRequest returns the most recent pull request of owner/repo from
// branch that was closed without being merged and is titled title (nil when there is
// none): a person said no to exactly that change.
func FindDeclinedPullRequest(ctx context.Context, gh *github.Client, owner, repo, branch, title string) (*github.PullRequest, error) {
	var out *github.PullRequest
	opts := &github.PullRequestListOptions{State: "closed", Head: owner + ":" + branch, Sort: "updated", Direction: "desc",
		ListOptions: github.ListOptions{PerPage: 30}}
	err := callAPI(ctx, fmt.Sprintf("find the closed pull requests of branch %s in %s/%s", branch, owner, repo), repoHints(owner, repo, "pull_requests: read"), func(ctx context.Context) error {
		list, _, err := gh.PullRequests.List(ctx, owner, repo, opts)
		for _, pr := range list {
			if pr.GetHead().GetRef() == branch && pr.MergedAt == nil && pr.GetTitle() == title {
				out = pr
				break
			}
		}
		return err
	})
	return out, err
}
