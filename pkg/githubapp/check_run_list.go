package githubapp

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// maxCheckRunPages bounds ListCheckRunsForRef: 10 pages of 100 (GitHub keeps at most
// 1000 runs of one name per check suite).
const maxCheckRunPages = 10

// ListCheckRunsForRef returns the check runs of commit ref (a SHA, branch or tag) of
// owner/repo named name ("" for every name): all of them, not only the newest of
// each name, every page.
func ListCheckRunsForRef(ctx context.Context, gh *github.Client, owner, repo, ref, name string) ([]*github.CheckRun, error) {
	opts := &github.ListCheckRunsOptions{Filter: github.String("all"), ListOptions: github.ListOptions{PerPage: 100}}
	if name != "" {
		opts.CheckName = github.String(name)
	}
	what := fmt.Sprintf("list the check runs of %s in %s/%s", ref, owner, repo)
	if name != "" {
		what = fmt.Sprintf("list the check runs %s of %s in %s/%s", name, ref, owner, repo)
	}
	var out []*github.CheckRun
	l := listing{what: what, hints: checkHints(owner, repo, "checks: read"), maxPages: maxCheckRunPages}
	err := paginate(ctx, l, func(ctx context.Context, page int) ([]*github.CheckRun, *github.Response, error) {
		opts.Page = page
		res, resp, err := gh.Checks.ListCheckRunsForRef(ctx, owner, repo, ref, opts)
		if res == nil {
			return nil, resp, err
		}
		return res.CheckRuns, resp, err
	}, appendTo(&out))
	if err != nil {
		return nil, err
	}
	return out, nil
}
