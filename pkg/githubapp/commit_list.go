package githubapp

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// ListCommitsFrom returns the ids of at most n commits (1 to 100) of owner/repo
// reachable from sha, newest first, as GitHub lists them: sha itself, then its
// history. One page, no more.
func ListCommitsFrom(ctx context.Context, gh *github.Client, owner, repo, sha string, n int) ([]string, error) {
	n = min(max(n, 1), 100)
	var commits []*github.RepositoryCommit
	what := fmt.Sprintf("list the commits of %s/%s from %s", owner, repo, shortSHA(sha))
	err := callAPI(ctx, what, repoHints(owner, repo, "contents: read"), func(ctx context.Context) error {
		var err error
		commits, _, err = gh.Repositories.ListCommits(ctx, owner, repo, &github.CommitsListOptions{SHA: sha, ListOptions: github.ListOptions{PerPage: n}})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(commits))
	for _, c := range commits[:min(len(commits), n)] {
		out = append(out, c.GetSHA())
	}
	return out, nil
}
