package githubapp

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githublimit"
)

const bot = "kubectl-gitops[bot]"

func newSticky(t *testing.T, gh *githubtest.Server) *StickyComment {
	t.Helper()
	c, err := NewClient(nil, testToken, gh.URL)
	if err != nil {
		t.Fatal(err)
	}
	s := NewStickyComment(c, "o", "r", 7, "plan", WithCommentAuthor(bot))
	s.retry.backoff = time.Millisecond
	return s
}

func TestStickyCommentSync(t *testing.T) {
	gh := githubtest.NewChecked(t)
	gh.PerPage = 2 // make the listing paginate
	// Comments of people, one quoting a marker, come before and between.
	gh.AddComment("o/r", 7, "alice", "LGTM")
	gh.AddComment("o/r", 7, "mallory", "<!-- kubectl-gitops:plan part=1 head=abc -->\nfake")
	s := newSticky(t, gh)
	ctx := context.Background()

	big := pages("big plan", 3)
	if len(big) < 3 {
		t.Fatalf("want at least 3 pages, got %d", len(big))
	}
	steps := []struct {
		name      string
		head      string
		pages     []string
		wantParts int
		wantEdits int // PATCH calls in this step
	}{
		{"first plan, several pages", "aaa", big, len(big), 0},
		{"replayed: nothing written", "aaa", big, len(big), 0},
		{"new head, one page: edit main, delete continuations", "bbb", []string{"small plan"}, 1, 1},
		{"grows again: continuation created after", "ccc", big[:2], 2, 1},
	}
	for _, st := range steps {
		before := len(gh.Calls())
		if _, err := s.Sync(ctx, st.head, st.pages); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		calls := gh.Calls()[before:]
		var ours []githubtest.Comment
		for _, c := range gh.Comments("o/r", 7) {
			if c.Author == bot {
				ours = append(ours, c)
			}
		}
		if len(ours) != st.wantParts {
			t.Fatalf("%s: %d comments of the bot, want %d", st.name, len(ours), st.wantParts)
		}
		for i, c := range ours {
			if !strings.Contains(c.Body, "part="+itoa(i+1)+" head="+st.head) || !strings.HasSuffix(c.Body, st.pages[i]) {
				t.Errorf("%s: comment %d is not part %d for %s", st.name, i, i+1, st.head)
			}
		}
		edits := 0
		for _, c := range calls {
			if c.Method == http.MethodPatch {
				edits++
			}
			if c.Method != http.MethodGet && st.name == "replayed: nothing written" {
				t.Errorf("%s: unexpected %s %s", st.name, c.Method, c.Path)
			}
		}
		if edits != st.wantEdits {
			t.Errorf("%s: %d edits, want %d", st.name, edits, st.wantEdits)
		}
	}
	// The people's comments are untouched.
	if got := gh.Comments("o/r", 7); got[0].Body != "LGTM" || !strings.HasSuffix(got[1].Body, "fake") {
		t.Errorf("a person's comment was changed: %+v", got[:2])
	}
}

func TestStickyCommentRetriesAndErrors(t *testing.T) {
	tests := []struct {
		name    string
		fault   githubtest.Fault
		wantErr string
	}{
		{"secondary rate limit waited out", githubtest.Fault{Method: "POST", Times: 1, Status: 403,
			Header: map[string]string{"Retry-After": "0"}, Message: "You have exceeded a secondary rate limit",
			DocURL: "https://docs.github.com/rest/overview/resources-in-the-rest-api#secondary-rate-limits"}, ""},
		{"429 waited out", githubtest.Fault{Method: "POST", Times: 1, Status: 429, Header: map[string]string{"Retry-After": "0"}}, ""},
		{"502 retried", githubtest.Fault{Method: "POST", Times: 2, Status: 502}, ""},
		{"forbidden explained", githubtest.Fault{Method: "POST", Times: 5, Status: 403, Message: "Resource not accessible by integration"},
			"needs the pull_requests: write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gh := githubtest.NewChecked(t)
			tt.fault.Path = regexp.MustCompile(`/comments$`)
			gh.Inject(tt.fault)
			_, err := newSticky(t, gh).Sync(context.Background(), "aaa", []string{"plan"})
			if tt.wantErr == "" {
				if err != nil || len(gh.Comments("o/r", 7)) != 1 {
					t.Fatalf("err %v, comments %d; want one comment", err, len(gh.Comments("o/r", 7)))
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), testToken) {
				t.Fatalf("err %v, want one saying %q without the token", err, tt.wantErr)
			}
		})
	}
}

func TestStickyCommentRefusesOversize(t *testing.T) {
	gh := githubtest.NewChecked(t)
	_, err := newSticky(t, gh).Sync(context.Background(), "aaa", []string{strings.Repeat("x", githublimit.CommentChars)})
	if err == nil || !strings.Contains(err.Error(), "over GitHub's limit") {
		t.Fatalf("err %v", err)
	}
	if n := len(gh.Calls()); n > 1 {
		t.Errorf("%d calls; an oversize comment must not be sent", n)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// pages is a content of n pages, each naming what, its number and n.
func pages(what string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("### %s (%d of %d)\n\n%s\n", what, i+1, n, strings.Repeat("text ", 1000))
	}
	return out
}

// A content of as many pages as a plan comment takes at most is written once; a
// replay writes nothing; fewer pages delete the comments left over. (That a plan of
// any size takes at most MaxPages pages is pkg/plancomment's test.)
func TestStickyCommentBoundedPages(t *testing.T) {
	gh := githubtest.NewChecked(t)
	gh.PerPage = 100
	s := newSticky(t, gh)
	ctx := context.Background()

	const maxPages = 10 // plancomment.DefaultMaxPages
	steps := []struct {
		name        string
		pages       []string
		wantParts   int
		wantWrites  int // POST and PATCH calls
		wantDeletes int // DELETE calls
	}{
		{"10 MB of diffs: the default number of pages", pages("huge plan", maxPages), maxPages, maxPages, 0},
		{"the same plan again: nothing written", pages("huge plan", maxPages), maxPages, 0, 0},
		{"a lower bound: the pages left over are deleted", pages("huge plan", 3), 3, 3, maxPages - 3},
		{"one page: objects left out too", pages("huge plan", 1), 1, 1, 2},
		{"a small plan: one page, nothing left out", pages("small plan", 1), 1, 1, 0},
	}
	for _, st := range steps {
		before := len(gh.Calls())
		if _, err := s.Sync(ctx, testSHA[:7], st.pages); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		writes, deletes := 0, 0
		for _, c := range gh.Calls()[before:] {
			switch c.Method {
			case http.MethodPost, http.MethodPatch:
				writes++
			case http.MethodDelete:
				deletes++
			}
		}
		ours := gh.Comments("o/r", 7)
		if len(ours) != st.wantParts || writes != st.wantWrites || deletes != st.wantDeletes {
			t.Fatalf("%s: %d comments, %d writes, %d deletes; want %d, %d, %d",
				st.name, len(ours), writes, deletes, st.wantParts, st.wantWrites, st.wantDeletes)
		}
		for i, c := range ours {
			if !strings.HasSuffix(c.Body, st.pages[i]) {
				t.Errorf("%s: comment %d is not page %d", st.name, i+1, i+1)
			}
		}
	}
}
