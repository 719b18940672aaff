package githubapp

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v60/github"
)

// maxIssuePages bounds the open issues TrackedIssue.Find reads: 10 pages of 100 issues
// the App opened. Past it Find fails naming the bound, rather than opening a duplicate.
const maxIssuePages = 10

// TrackedIssue is an issue the App keeps up to date instead of opening again, such as
// "Drift: prod": one open issue per repository and key, found by a hidden marker in its
// body and by its author, opened when it is needed, edited in place while it lasts and
// closed with a comment when it is no longer needed.
type TrackedIssue struct {
	client *github.Client
	owner  string
	repo   string
	key    string
	author string
}

// NewTrackedIssue is the issue named key (letters, digits, '.', '_', '-', '/') of
// owner/repo, opened by author (the App's "<slug>[bot]"): issues anyone else opened are
// never taken over, whatever their body says.
func NewTrackedIssue(c *github.Client, owner, repo, key, author string) *TrackedIssue {
	return &TrackedIssue{client: c, owner: owner, repo: repo, key: key, author: author}
}

// marker is the hidden first line of the issue's body.
func (t *TrackedIssue) marker() string {
	return fmt.Sprintf("<!-- kubectl-gitops:issue %s -->", t.key)
}

// Find returns the open issue, or nil when there is none.
func (t *TrackedIssue) Find(ctx context.Context) (*github.Issue, error) {
	opts := github.IssueListByRepoOptions{State: "open", Creator: t.author, Sort: "created", Direction: "asc",
		ListOptions: github.ListOptions{PerPage: 100}}
	list := listing{what: "list the open issues of " + t.owner + "/" + t.repo,
		hints: repoHints(t.owner, t.repo, "issues: read"), maxPages: maxIssuePages}
	var found *github.Issue
	stop := fmt.Errorf("found")
	err := paginate(ctx, list, func(ctx context.Context, page int) ([]*github.Issue, *github.Response, error) {
		opts.Page = page
		return t.client.Issues.ListByRepo(ctx, t.owner, t.repo, &opts)
	}, func(page []*github.Issue) error {
		for _, is := range page {
			if is.IsPullRequest() || !strings.EqualFold(is.GetUser().GetLogin(), t.author) {
				continue
			}
			if first, _, _ := strings.Cut(is.GetBody(), "\n"); strings.TrimSpace(first) == t.marker() {
				found = is
				return stop
			}
		}
		return nil
	})
	if err != nil && err != stop {
		return nil, err
	}
	return found, nil
}

// what names a call on the issue in errors.
func (t *TrackedIssue) what(verb string) string {
	return fmt.Sprintf("%s issue %q of %s/%s", verb, t.key, t.owner, t.repo)
}

func (t *TrackedIssue) hints() map[int]string {
	h := repoHints(t.owner, t.repo, "issues: write")
	h[http.StatusGone] = "issues are turned off in " + t.owner + "/" + t.repo
	h[http.StatusUnprocessableEntity] = "GitHub refused the issue: a label, an assignee or the text is not accepted"
	return h
}
