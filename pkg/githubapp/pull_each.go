package githubapp

import (
	"context"

	"github.com/google/go-github/v60/github"
)

// EachPullRequest calls visit with every open pull request of owner/repo (forks'
// too), page after page: a page is asked for once visit has seen the one before.
// An error of visit stops the listing and is returned as it is.
func EachPullRequest(ctx context.Context, gh *github.Client, owner, repo string, visit func(*github.PullRequest) error) error {
	return eachOpenPullRequest(ctx, gh, owner, repo, 0, visit)
}

// eachOpenPullRequest lists the open pull requests of owner/repo, at most maxPages
// pages of 100 (0: every page).
func eachOpenPullRequest(ctx context.Context, gh *github.Client, owner, repo string, maxPages int, visit func(*github.PullRequest) error) error {
	opts := github.PullRequestListOptions{State: "open", ListOptions: github.ListOptions{PerPage: 100}}
	list := listing{what: "list the pull requests of " + owner + "/" + repo,
		hints: repoHints(owner, repo, "pull_requests: read"), maxPages: maxPages}
	return paginate(ctx, list, func(ctx context.Context, page int) ([]*github.PullRequest, *github.Response, error) {
		opts.Page = page
		return gh.PullRequests.List(ctx, owner, repo, &opts)
	}, func(page []*github.PullRequest) error {
		for _, pr := range page {
			if err := visit(pr); err != nil {
				return err
			}
		}
		return nil
	})
}
