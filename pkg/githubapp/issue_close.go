package githubapp

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githublimit"
)

// Close closes the open issue as completed, first commenting comment on it ("" for no
// comment). closed is false when no issue was open.
func (t *TrackedIssue) Close(ctx context.Context, comment string) (issue *github.Issue, closed bool, err error) {
	if n := utf8.RuneCountInString(comment); n > githublimit.CommentChars {
		return nil, false, fmt.Errorf("%s: the comment has %d characters, more than GitHub's %d", t.what("close"), n, githublimit.CommentChars)
	}
	cur, err := t.Find(ctx)
	if err != nil || cur == nil {
		return nil, false, err
	}
	n := cur.GetNumber()
	if comment != "" {
		err := callAPI(ctx, t.what(fmt.Sprintf("comment on #%d of", n)), t.hints(), func(ctx context.Context) error {
			_, _, err := t.client.Issues.CreateComment(ctx, t.owner, t.repo, n, &github.IssueComment{Body: &comment})
			return err
		})
		if err != nil {
			return nil, false, err
		}
	}
	state, reason := "closed", "completed"
	err = callAPI(ctx, t.what(fmt.Sprintf("close #%d,", n)), t.hints(), func(ctx context.Context) error {
		issue, _, err = t.client.Issues.Edit(ctx, t.owner, t.repo, n, &github.IssueRequest{State: &state, StateReason: &reason})
		return err
	})
	return issue, err == nil, err
}
