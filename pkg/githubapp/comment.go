package githubapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githublimit"
)

// StickyComment is a pull request comment that is edited instead of posted again:
// one per pull request and key, found by a hidden marker, spread over continuation
// comments when its content needs several pages (see pkg/plancomment).
type StickyComment struct {
	client *github.Client
	owner  string
	repo   string
	number int
	key    string
	author string
	retry  retryPolicy
}

// CommentOption configures a StickyComment.
type CommentOption func(*StickyComment)

// WithCommentAuthor only takes over comments written by login (e.g. the App's
// "name[bot]"), so that a user quoting the marker never has a comment edited.
func WithCommentAuthor(login string) CommentOption {
	return func(s *StickyComment) { s.author = login }
}

// WithCommentLogger logs retries to l.
func WithCommentLogger(l *slog.Logger) CommentOption {
	return func(s *StickyComment) { s.retry.log = l }
}

// NewStickyComment is the sticky comment named key (e.g. "plan") on pull request
// (or issue) number of owner/repo.
func NewStickyComment(c *github.Client, owner, repo string, number int, key string, opts ...CommentOption) *StickyComment {
	s := &StickyComment{client: c, owner: owner, repo: repo, number: number, key: key, retry: defaultRetry()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// markerRE finds a sticky comment's marker: key, part number and the head commit the
// content was made for.
var markerRE = regexp.MustCompile(`<!-- kubectl-gitops:([A-Za-z0-9_.-]+) part=(\d+) head=([0-9a-f]*) -->`)

func (s *StickyComment) marker(part int, head string) string {
	return fmt.Sprintf("<!-- kubectl-gitops:%s part=%d head=%s -->\n", s.key, part, head)
}

// Existing is the sticky comment as found on the pull request.
type Existing struct {
	// Parts are the comments, by part number (1 is the main one).
	Parts map[int]*github.IssueComment
	// Head is the commit the main comment was made for ("" when there is none).
	Head string
}

// Find lists the pull request's comments and returns the parts of this sticky
// comment. When several comments claim the same part (two replicas raced), the
// oldest wins and the others are returned second, to be deleted.
func (s *StickyComment) Find(ctx context.Context) (Existing, []*github.IssueComment, error) {
	ex := Existing{Parts: map[int]*github.IssueComment{}}
	var extra []*github.IssueComment
	opts := github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	list := listing{what: s.what("list comments"), hints: s.hints(), retry: &s.retry}
	err := paginate(ctx, list, func(ctx context.Context, page int) ([]*github.IssueComment, *github.Response, error) {
		opts.Page = page
		return s.client.Issues.ListComments(ctx, s.owner, s.repo, s.number, &opts)
	}, func(page []*github.IssueComment) error {
		for _, c := range page {
			if s.author != "" && !strings.EqualFold(c.GetUser().GetLogin(), s.author) {
				continue
			}
			m := markerRE.FindStringSubmatch(c.GetBody())
			if m == nil || m[1] != s.key {
				continue
			}
			part, _ := strconv.Atoi(m[2])
			if prev, ok := ex.Parts[part]; ok {
				if prev.GetID() < c.GetID() {
					extra = append(extra, c)
					continue
				}
				extra = append(extra, prev)
			}
			ex.Parts[part] = c
			if part == 1 {
				ex.Head = m[3]
			}
		}
		return nil
	})
	if err != nil {
		return ex, nil, err
	}
	return ex, extra, nil
}

// Sync makes the pull request show pages for commit head: page 1 in the main
// comment (edited, or created when there is none), the others in continuation
// comments (edited or created in order), and continuation comments left over from a
// longer earlier content deleted. Comments whose content is already right are not
// touched, so a replayed event costs only the listing. It returns the main
// comment's URL.
func (s *StickyComment) Sync(ctx context.Context, head string, pages []string) (string, error) {
	if len(pages) == 0 {
		pages = []string{""}
	}
	ex, extra, err := s.Find(ctx)
	if err != nil {
		return "", err
	}
	url := ""
	for i, p := range pages {
		part := i + 1
		body := s.marker(part, head) + p
		if len(body) > githublimit.CommentChars {
			return url, fmt.Errorf("%s: part %d is %d characters, over GitHub's limit of %d (a bug: use plancomment.Comment.Pages)",
				s.what("write comment"), part, len(body), githublimit.CommentChars)
		}
		c, err := s.put(ctx, ex.Parts[part], body)
		if err != nil {
			return url, err
		}
		if part == 1 {
			url = c.GetHTMLURL()
		}
	}
	var stale []*github.IssueComment
	for part, c := range ex.Parts {
		if part > len(pages) {
			stale = append(stale, c)
		}
	}
	stale = append(stale, extra...)
	sort.Slice(stale, func(i, j int) bool { return stale[i].GetID() < stale[j].GetID() })
	for _, c := range stale {
		if err := s.delete(ctx, c.GetID()); err != nil {
			return url, err
		}
	}
	return url, nil
}

// put edits c to body, or creates a comment when c is nil; a comment that already
// says body is left alone.
func (s *StickyComment) put(ctx context.Context, c *github.IssueComment, body string) (*github.IssueComment, error) {
	if c != nil && c.GetBody() == body {
		return c, nil
	}
	what := s.what("create comment")
	if c != nil {
		what = s.what(fmt.Sprintf("edit comment %d", c.GetID()))
	}
	var out *github.IssueComment
	err := s.retry.call(ctx, what, s.hints(), func(ctx context.Context) error {
		var err error
		if c == nil {
			out, _, err = s.client.Issues.CreateComment(ctx, s.owner, s.repo, s.number, &github.IssueComment{Body: &body})
		} else {
			out, _, err = s.client.Issues.EditComment(ctx, s.owner, s.repo, c.GetID(), &github.IssueComment{Body: &body})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// delete deletes comment id; one already gone (another replica deleted it) is no error.
func (s *StickyComment) delete(ctx context.Context, id int64) error {
	return s.retry.call(ctx, s.what(fmt.Sprintf("delete comment %d", id)), s.hints(), func(ctx context.Context) error {
		_, err := s.client.Issues.DeleteComment(ctx, s.owner, s.repo, id)
		var resp *github.ErrorResponse
		if errors.As(err, &resp) && statusOf(resp.Response) == http.StatusNotFound {
			return nil
		}
		return err
	})
}

func (s *StickyComment) what(verb string) string {
	return fmt.Sprintf("%s on %s/%s#%d", verb, s.owner, s.repo, s.number)
}

// hints explains the answers GitHub gives comment calls that will not succeed on retry.
func (s *StickyComment) hints() map[int]string {
	repo := s.owner + "/" + s.repo
	return map[int]string{
		http.StatusUnauthorized: "the token is missing, invalid or expired",
		http.StatusForbidden: "the token may not write comments on " + repo +
			": a GitHub App needs the pull_requests: write (or issues: write) permission",
		http.StatusNotFound:            fmt.Sprintf("pull request %s#%d not found, or the token cannot see it", repo, s.number),
		http.StatusUnprocessableEntity: "GitHub refused the comment: it may be longer than 65,536 characters",
	}
}
