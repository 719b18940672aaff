package githubapp

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githublimit"
)

// IssueTitleChars is the most characters GitHub takes in an issue's title.
const IssueTitleChars = 256

// IssueContent is what a TrackedIssue says.
type IssueContent struct {
	Title, Body string
	// Labels and Assignees are set when the issue is opened (GitHub creates missing
	// labels); later edits leave them to people.
	Labels, Assignees []string
}

// Sync opens the issue with c, or edits the open one to c when it says something else.
// opened is true when it opened one. A title or body over GitHub's limit is an error
// naming the limit: the caller bounds what it writes.
func (t *TrackedIssue) Sync(ctx context.Context, c IssueContent) (issue *github.Issue, opened bool, err error) {
	body := t.marker() + "\n" + c.Body
	if n := utf8.RuneCountInString(c.Title); n > IssueTitleChars {
		return nil, false, fmt.Errorf("%s: the title has %d characters, more than GitHub's %d", t.what("write"), n, IssueTitleChars)
	}
	if n := utf8.RuneCountInString(body); n > githublimit.CommentChars {
		return nil, false, fmt.Errorf("%s: the body has %d characters, more than GitHub's %d", t.what("write"), n, githublimit.CommentChars)
	}
	cur, err := t.Find(ctx)
	if err != nil {
		return nil, false, err
	}
	if cur != nil {
		if cur.GetTitle() == c.Title && cur.GetBody() == body {
			return cur, false, nil
		}
		err = callAPI(ctx, t.what(fmt.Sprintf("edit #%d,", cur.GetNumber())), t.hints(), func(ctx context.Context) error {
			issue, _, err = t.client.Issues.Edit(ctx, t.owner, t.repo, cur.GetNumber(), &github.IssueRequest{Title: &c.Title, Body: &body})
			return err
		})
		return issue, false, err
	}
	req := &github.IssueRequest{Title: &c.Title, Body: &body}
	if len(c.Labels) > 0 {
		req.Labels = &c.Labels
	}
	if len(c.Assignees) > 0 {
		req.Assignees = &c.Assignees
	}
	err = callAPI(ctx, t.what("open"), t.hints(), func(ctx context.Context) error {
		issue, _, err = t.client.Issues.Create(ctx, t.owner, t.repo, req)
		return err
	})
	return issue, err == nil, err
}
