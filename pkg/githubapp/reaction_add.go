package githubapp

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// AddCommentReaction reacts to issue or pull request comment id of owner/repo with
// reaction ("+1", "-1", "eyes", …); a reaction already there is not added twice.
func AddCommentReaction(ctx context.Context, gh *github.Client, owner, repo string, id int64, reaction string) error {
	return callAPI(ctx, fmt.Sprintf("react %s to comment %d on %s/%s", reaction, id, owner, repo), repoHints(owner, repo, "issues: write or pull_requests: write"), func(ctx context.Context) error {
		_, _, err := gh.Reactions.CreateIssueCommentReaction(ctx, owner, repo, id, reaction)
		return err
	})
}
