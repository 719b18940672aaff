package githubapp

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// AddLabels adds labels to issue or pull request number (GitHub creates labels the
// repository lacks).
func AddLabels(ctx context.Context, gh *github.Client, owner, repo string, number int, labels []string) error {
	if len(labels) == 0 {
		return nil
	}
	return callAPI(ctx, fmt.Sprintf("label %s/%s#%d", owner, repo, number), repoHints(owner, repo, "issues: write or pull_requests: write"), func(ctx context.Context) error {
		// go-github sends a bare array, which GitHub's description does not accept;
		// GitHub recommends the object form.
		req, err := gh.NewRequest("POST", fmt.Sprintf("repos/%s/%s/issues/%d/labels", owner, repo, number), map[string][]string{"labels": labels})
		if err != nil {
			return err
		}
		_, err = gh.Do(ctx, req, nil)
		return err
	})
}
