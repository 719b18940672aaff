package plancomment

import (
	"errors"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/internal/mdcheck"
	"github.com/kubectl-gitops/kubectl-gitops/internal/untrusted"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

func TestNewCheck(t *testing.T) {
	withProblem := bigPlan(2, 2)
	withProblem.Problems = []plan.Problem{{Source: manifest.Source{File: "apps/bad.yaml", Line: 4}, Message: "mapping values are not allowed here"},
		{Message: "no file: not annotated"}}
	tests := []struct {
		name        string
		p           *plan.Plan
		err         error
		wantTitle   string
		wantFailed  bool
		wantNotes   int
		wantFailure int
		wantInText  string
	}{
		{"changes", bigPlan(2, 2), nil, "2 to update, 1 to delete", false, 2, 0, "cm-0001"},
		{"problems", withProblem, nil, "2 problems", true, 3, 1, "cm-0000"},
		{"no changes", &plan.Plan{}, nil, "no changes", false, 0, 0, ""},
		{"error", nil, errors.New("cluster prod: connection refused"), "could not be planned", true, 0, 0, ""},
		{"huge", bigPlan(3000, 20), nil, "3000 to update", false, MaxNotes, 0, "cm-0000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCheck("prod", tc.p, tc.err, plan.MarkdownOptions{})
			if !strings.Contains(c.Title, tc.wantTitle) || c.Failed != tc.wantFailed {
				t.Errorf("title %q failed %v", c.Title, c.Failed)
			}
			failures := 0
			for _, n := range c.Notes {
				if n.File == "" || n.Line < 1 {
					t.Errorf("note without a place: %+v", n)
				}
				if n.Level == NoteFailure {
					failures++
				}
			}
			if len(c.Notes) != tc.wantNotes || failures != tc.wantFailure {
				t.Errorf("%d notes (%d failures), want %d (%d)", len(c.Notes), failures, tc.wantNotes, tc.wantFailure)
			}
			if !strings.Contains(c.Text, tc.wantInText) {
				t.Errorf("text lacks %q", tc.wantInText)
			}
			for field, s := range map[string]string{"summary": c.Summary, "text": c.Text} {
				if len(s) > CheckTextBytes {
					t.Errorf("%s of %d bytes", field, len(s))
				}
				checkMarkdownBalanced(t, 0, s)
			}
			if tc.name == "huge" && (!strings.Contains(c.Text, "more items left out") || !strings.Contains(c.Summary, "more remarks on files")) {
				t.Errorf("the cut is not said:\n%s", c.Summary[len(c.Summary)-300:])
			}
		})
	}
}

// A fork writes every field of the plan: the check's Markdown shows it as text.
func TestNewCheckUntrusted(t *testing.T) {
	c := NewCheck("prod", untrusted.Plan(), nil, plan.MarkdownOptions{})
	for field, md := range map[string]string{"summary": c.Summary, "text": c.Text} {
		for _, p := range mdcheck.Check(md, mdcheck.Options{Value: untrusted.Text}) {
			t.Errorf("%s: %s", field, p)
		}
	}
	e := NewCheck(untrusted.Text, nil, errors.New(untrusted.Text), plan.MarkdownOptions{})
	for _, p := range mdcheck.Check(e.Summary, mdcheck.Options{Value: untrusted.Text}) {
		t.Errorf("error summary: %s", p)
	}
}
