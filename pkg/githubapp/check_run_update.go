package githubapp

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// UpdateCheckRun makes check run id of owner/repo show r and returns the run as
// GitHub last answered. r.Name is required (GitHub renames the run to it); an empty
// Status leaves the status, and empty Title, Summary and Text with no annotations
// leave the output. r.HeadSHA and r.StartedAt are ignored.
//
// r.Annotations are added to those the run holds (GitHub appends and never removes
// one): the first 50 with the update, the others in further updates of 50, in order.
// When one of those fails, the run as last seen is returned with the error.
//
// Texts over GitHub's limits are cut with a note saying so (and a warning logged);
// r is checked before anything is sent.
func UpdateCheckRun(ctx context.Context, gh *github.Client, owner, repo string, id int64, r CheckRun) (*github.CheckRun, error) {
	c, err := prepareCheckRun(owner, repo, r, false)
	if err != nil {
		return nil, fmt.Errorf("update check run %d on %s/%s: %w", id, owner, repo, err)
	}
	c.logTruncated(ctx)
	return c.update(ctx, gh, id, c.annotations, 0)
}
