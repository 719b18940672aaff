package githubapp

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// maxStatusPages bounds ListCommitStatuses: 10 pages of 100, as many statuses as
// GitHub keeps of one context on one commit.
const maxStatusPages = 10

// ListCommitStatuses returns the statuses posted to commit ref of owner/repo, newest
// first, every context.
func ListCommitStatuses(ctx context.Context, gh *github.Client, owner, repo, ref string) ([]*github.RepoStatus, error) {
	var out []*github.RepoStatus
	opts := github.ListOptions{PerPage: 100}
	list := listing{what: fmt.Sprintf("list the statuses of %s/%s@%s", owner, repo, shortSHA(ref)),
		hints: repoHints(owner, repo, "statuses: read"), maxPages: maxStatusPages}
	err := paginate(ctx, list, func(ctx context.Context, page int) ([]*github.RepoStatus, *github.Response, error) {
		opts.Page = page
		return gh.Repositories.ListStatuses(ctx, owner, repo, ref, &opts)
	}, appendTo(&out))
	if err != nil {
		return nil, err
	}
	return out, nil
}
