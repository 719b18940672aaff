package githubapp

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
)

// TestTrackedIssue walks a drift issue's life against the spec-checked fake: opened
// once, left alone when nothing changed, edited in place, closed with a comment; a
// person's issue quoting the marker is never taken over.
func TestTrackedIssue(t *testing.T) {
	ctx := context.Background()
	s := githubtest.NewChecked(t)
	s.AddRepo(&githubtest.Repo{FullName: "o/r", GitDir: bareRepo(t)})
	gh, err := NewClient(nil, "", s.URL)
	if err != nil {
		t.Fatal(err)
	}
	const bot = "kubectl-gitops[bot]"
	// A stranger's issue that quotes the marker, and issues of the bot's that are not it.
	s.AddIssue("o/r", githubtest.Issue{Title: "Drift: prod", Body: "<!-- kubectl-gitops:issue drift/prod -->\nhijack", Author: "mallory"})
	for range 3 {
		s.AddIssue("o/r", githubtest.Issue{Title: "noise", Author: bot})
	}
	ti := NewTrackedIssue(gh, "o", "r", "drift/prod", bot)

	steps := []struct {
		name       string
		do         func() (bool, error)
		wantDone   bool
		wantWrites int
	}{
		{"open", func() (bool, error) {
			_, opened, err := ti.Sync(ctx, IssueContent{Title: "Drift: prod", Body: "2 objects differ", Labels: []string{"drift"}, Assignees: []string{"alice"}})
			return opened, err
		}, true, 1},
		{"same text writes nothing", func() (bool, error) {
			_, opened, err := ti.Sync(ctx, IssueContent{Title: "Drift: prod", Body: "2 objects differ"})
			return opened, err
		}, false, 0},
		{"edit in place", func() (bool, error) {
			_, opened, err := ti.Sync(ctx, IssueContent{Title: "Drift: prod", Body: "3 objects differ"})
			return opened, err
		}, false, 1},
		{"close with a comment", func() (bool, error) {
			_, closed, err := ti.Close(ctx, "The drift is gone.")
			return closed, err
		}, true, 2},
		{"close again does nothing", func() (bool, error) {
			_, closed, err := ti.Close(ctx, "The drift is gone.")
			return closed, err
		}, false, 0},
	}
	for _, st := range steps {
		before := writes(s.Calls())
		done, err := st.do()
		if err != nil || done != st.wantDone {
			t.Fatalf("%s: %v %v", st.name, done, err)
		}
		if got := writes(s.Calls()) - before; got != st.wantWrites {
			t.Errorf("%s: %d writes, want %d", st.name, got, st.wantWrites)
		}
	}
	var mine *githubtest.Issue
	for _, is := range s.Issues("o/r") {
		if is.Author == "mallory" && (is.State != "open" || !strings.HasSuffix(is.Body, "hijack")) {
			t.Errorf("the stranger's issue was touched: %+v", is)
		}
		if is.Author == bot && is.Title == "Drift: prod" {
			if mine != nil {
				t.Fatalf("two drift issues")
			}
			mine = &is
		}
	}
	if mine == nil || mine.State != "closed" || mine.StateReason != "completed" || !strings.HasSuffix(mine.Body, "3 objects differ") ||
		strings.Join(mine.Labels, ",") != "drift" || strings.Join(mine.Assignees, ",") != "alice" {
		t.Fatalf("the drift issue: %+v", mine)
	}
	if c := s.Comments("o/r", mine.Number); len(c) != 1 || c[0].Body != "The drift is gone." {
		t.Errorf("closing comment: %+v", c)
	}
}

func TestTrackedIssueBounds(t *testing.T) {
	s := githubtest.NewChecked(t)
	s.AddRepo(&githubtest.Repo{FullName: "o/r", GitDir: bareRepo(t)})
	gh, err := NewClient(nil, "", s.URL)
	if err != nil {
		t.Fatal(err)
	}
	ti := NewTrackedIssue(gh, "o", "r", "drift/prod", "kubectl-gitops[bot]")
	for _, c := range []IssueContent{
		{Title: strings.Repeat("t", IssueTitleChars+1)},
		{Title: "Drift", Body: strings.Repeat("b", 70000)},
	} {
		if _, _, err := ti.Sync(context.Background(), c); err == nil || !strings.Contains(err.Error(), "more than GitHub's") {
			t.Errorf("over the limit: %v", err)
		}
	}
	if n := writes(s.Calls()); n != 0 {
		t.Errorf("%d writes", n)
	}
}

func writes(calls []githubtest.Call) int {
	n := 0
	for _, c := range calls {
		if c.Method != http.MethodGet {
			n++
		}
	}
	return n
}
