package githubapp

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// maxCommitPullPages bounds ListCommitPullRequests: a commit is in few pull requests.
const maxCommitPullPages = 3

// ListCommitPullRequests returns the pull requests of owner/repo associated with
// commit sha: the one whose merge made it, and open ones that contain it.
func ListCommitPullRequests(ctx context.Context, gh *github.Client, owner, repo, sha string) ([]*github.PullRequest, error) {
	var out []*github.PullRequest
	opts := github.ListOptions{PerPage: 100}
	list := listing{what: fmt.Sprintf("list the pull requests of %s/%s@%s", owner, repo, shortSHA(sha)),
		hints: repoHints(owner, repo, "pull_requests: read"), maxPages: maxCommitPullPages}
	err := paginate(ctx, list, func(ctx context.Context, page int) ([]*github.PullRequest, *github.Response, error) {
		opts.Page = page
		return gh.PullRequests.ListPullRequestsWithCommit(ctx, owner, repo, sha, &opts)
	}, appendTo(&out))
	if err != nil {
		return nil, err
	}
	return out, nil
}
