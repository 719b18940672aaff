package githubapp

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// CommitOnBranch reports whether commit sha of owner/repo is on branch: GitHub's
// comparison of branch...sha says the commit is behind the branch or identical to
// its tip.
func CommitOnBranch(ctx context.Context, gh *github.Client, owner, repo, branch, sha string) (bool, error) {
	var cmp *github.CommitsComparison
	what := fmt.Sprintf("compare %s...%s of %s/%s", branch, shortSHA(sha), owner, repo)
	err := callAPI(ctx, what, repoHints(owner, repo, "contents: read"), func(ctx context.Context) error {
		var err error
		cmp, _, err = gh.Repositories.CompareCommits(ctx, owner, repo, branch, sha, &github.ListOptions{PerPage: 1})
		return err
	})
	if err != nil {
		return false, err
	}
	switch cmp.GetStatus() {
	case "behind", "identical":
		return true, nil
	}
	return false, nil
}
