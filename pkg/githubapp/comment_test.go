package githubapp

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
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

	big := (PlanComment{Sections: []PlanSection{{Name: "prod", Blocks: bigPlan(300, 20).MarkdownBlocks(plan.MarkdownOptions{})}}}).Pages(0)
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
	_, err := newSticky(t, gh).Sync(context.Background(), "aaa", []string{strings.Repeat("x", CommentLimit)})
	if err == nil || !strings.Contains(err.Error(), "over GitHub's limit") {
		t.Fatalf("err %v", err)
	}
	if n := len(gh.Calls()); n > 1 {
		t.Errorf("%d calls; an oversize comment must not be sent", n)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// A plan of any size takes at most MaxPages comments; the last says what is left
// out and where the whole plan is; a replay writes nothing; fewer pages delete the
// comments left over.
func TestStickyCommentBoundedPages(t *testing.T) {
	gh := githubtest.NewChecked(t)
	gh.PerPage = 100
	s := newSticky(t, gh)
	ctx := context.Background()

	huge := bigPlan(1700, 130) // over 10 MiB of diffs
	diffBytes := 0
	for _, ch := range huge.Changes {
		diffBytes += len(ch.Diff)
	}
	if diffBytes < 10<<20 {
		t.Fatalf("the plan has %d bytes of diffs, want 10 MiB", diffBytes)
	}
	comment := func(p *plan.Plan, maxPages int) PlanComment {
		return PlanComment{Title: PlanTitle(testSHA), MaxPages: maxPages, FullPlan: "The whole plan is in the job summary.",
			Sections: []PlanSection{{Name: "prod", Blocks: p.MarkdownBlocks(plan.MarkdownOptions{})}}}
	}
	steps := []struct {
		name        string
		comment     PlanComment
		wantParts   int
		wantWrites  int    // POST and PATCH calls
		wantDeletes int    // DELETE calls
		wantLast    string // on the last page
	}{
		{"10 MB of diffs: the default number of pages", comment(huge, 0), DefaultMaxCommentPages, DefaultMaxCommentPages, 0,
			"diffs left out here. Every object is listed above. The whole plan is in the job summary."},
		{"the same plan again: nothing written", comment(huge, 0), DefaultMaxCommentPages, 0, 0, "left out here"},
		{"a lower bound: the pages left over are deleted", comment(huge, 3), 3, 3, DefaultMaxCommentPages - 3, "left out here"},
		{"one page: objects left out too", comment(huge, 1), 1, 1, 2, "objects and 1701 diffs left out here"},
		{"a small plan: one page, nothing left out", comment(bigPlan(2, 2), 0), 1, 1, 0, "</details>"},
	}
	for _, st := range steps {
		before := len(gh.Calls())
		pages := st.comment.Pages(0)
		if _, err := s.Sync(ctx, testSHA[:7], pages); err != nil {
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
		last := ours[len(ours)-1].Body
		if !strings.Contains(last, st.wantLast) {
			t.Errorf("%s: the last comment does not say %q:\n…%s", st.name, st.wantLast, last[max(0, len(last)-600):])
		}
		// Nothing silently lost: each diff is shown, or counted as left out.
		shown := 0
		for i, c := range ours {
			shown += strings.Count(c.Body, "<details><summary>")
			checkMarkdownBalanced(t, i+1, c.Body)
		}
		if m := regexp.MustCompile(`(\d+) diffs? left out`).FindStringSubmatch(last); m != nil {
			n, _ := strconv.Atoi(m[1])
			shown += n
		}
		if want := len(st.comment.Sections[0].Blocks.Diffs); shown != want {
			t.Errorf("%s: %d diffs shown or counted as left out, want %d", st.name, shown, want)
		}
		if st.wantParts > 1 && !strings.Contains(ours[0].Body, "the last one says what is left out") {
			t.Errorf("%s: the first comment does not say the plan is cut short", st.name)
		}
	}
}
