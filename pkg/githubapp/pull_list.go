package githubapp

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-github/v60/github"
)

// ListPullRequests returns the open pull requests of owner/repo whose head is a
// branch of the same repository starting with prefix ("" for all), every page.
func ListPullRequests(ctx context.Context, gh *github.Client, owner, repo, prefix string) ([]*github.PullRequest, error) {
	var out []*github.PullRequest
	opts := &github.PullRequestListOptions{State: "open", ListOptions: github.ListOptions{PerPage: 100}}
	full := owner + "/" + repo
	for {
		var (
			page []*github.PullRequest
			resp *github.Response
		)
		err := callAPI(ctx, "list the pull requests of "+full, repoHints(owner, repo, "pull_requests: read"), func(ctx context.Context) error {
			var err error
			page, resp, err = gh.PullRequests.List(ctx, owner, repo, opts)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, pr := range page {
			if strings.EqualFold(pr.GetHead().GetRepo().GetFullName(), full) && strings.HasPrefix(pr.GetHead().GetRef(), prefix) {
				out = append(out, pr)
			}
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		if opts.Page = resp.NextPage; opts.Page > 100 {
			return nil, fmt.Errorf("list the pull requests of %s: more than 100 pages", full)
		}
	}
}
