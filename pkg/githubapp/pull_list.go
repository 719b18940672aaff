package githubapp

import (
	"context"
	"strings"

	"github.com/google/go-github/v60/github"
)

// maxPullRequestPages bounds ListPullRequests: 100 pages of 100 open pull requests.
const maxPullRequestPages = 100

// ListPullRequests returns the open pull requests of owner/repo whose head is a
// branch of the same repository starting with prefix ("" for all), every page.
func ListPullRequests(ctx context.Context, gh *github.Client, owner, repo, prefix string) ([]*github.PullRequest, error) {
	var out []*github.PullRequest
	full := owner + "/" + repo
	err := eachOpenPullRequest(ctx, gh, owner, repo, maxPullRequestPages, func(pr *github.PullRequest) error {
		if strings.EqualFold(pr.GetHead().GetRepo().GetFullName(), full) && strings.HasPrefix(pr.GetHead().GetRef(), prefix) {
			out = append(out, pr)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
