package githubapp

import (
	"context"
	"fmt"
	"net/http"

	"github.com/google/go-github/v60/github"
)

// NewPullRequest is a pull request to open.
type NewPullRequest struct {
	Title, Body string
	Head, Base  string // branch names of the same repository
}

// OpenPullRequest opens a pull request. When one is already open for the head
// (another replica was quicker), that one is returned and created is false.
func OpenPullRequest(ctx context.Context, gh *github.Client, owner, repo string, n NewPullRequest) (pr *github.PullRequest, created bool, err error) {
	what := fmt.Sprintf("open a pull request from %s in %s/%s", n.Head, owner, repo)
	in := &github.NewPullRequest{Title: github.String(n.Title), Body: github.String(n.Body), Head: github.String(n.Head),
		Base: github.String(n.Base), MaintainerCanModify: github.Bool(true)}
	err = callAPI(ctx, what, repoHints(owner, repo, "pull_requests: write"), func(ctx context.Context) error {
		var err error
		pr, _, err = gh.PullRequests.Create(ctx, owner, repo, in)
		return err
	})
	if err == nil {
		return pr, true, nil
	}
	if StatusCode(err) != http.StatusUnprocessableEntity {
		return nil, false, err
	}
	// 422 also answers "A pull request already exists for owner:branch".
	existing, ferr := FindPullRequest(ctx, gh, owner, repo, n.Head)
	if ferr != nil || existing == nil {
		return nil, false, err
	}
	return existing, false, nil
}
