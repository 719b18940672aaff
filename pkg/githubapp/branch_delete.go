package githubapp

import (
	"context"
	"fmt"
	"net/http"

	"github.com/google/go-github/v60/github"
)

// DeleteBranch deletes branch of owner/repo; a branch already gone is no error.
func DeleteBranch(ctx context.Context, gh *github.Client, owner, repo, branch string) error {
	err := callAPI(ctx, fmt.Sprintf("delete branch %s of %s/%s", branch, owner, repo), repoHints(owner, repo, "contents: write"), func(ctx context.Context) error {
		_, err := gh.Git.DeleteRef(ctx, owner, repo, "heads/"+branch)
		return err
	})
	if StatusCode(err) == http.StatusUnprocessableEntity { // "Reference does not exist"
		return nil
	}
	return err
}
