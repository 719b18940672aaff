package notify

import (
	"fmt"
	"strings"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// maxFailures bounds the failures listed in one notification.
const maxFailures = 20

// Report is what a notification says.
type Report struct {
	// Kind is "plan" or "apply".
	Kind string `json:"kind"`
	// Succeeded is true when the plan has no problems, or the apply wrote everything.
	Succeeded bool `json:"succeeded"`
	// Source and Revision say what was planned or applied; Target where (ApplySet,
	// cluster).
	Source   string `json:"source,omitempty"`
	Revision string `json:"revision,omitempty"`
	Target   string `json:"target,omitempty"`
	// Counts are the plan's (and, after an apply, its failures).
	Counts plan.Counts `json:"counts"`
	// Failures name each failed object or problem with its file, at most 20.
	Failures []string `json:"failures,omitempty"`
	// MoreFailures is how many were not listed.
	MoreFailures int `json:"moreFailures,omitempty"`
	// URL links to more (the pull request comment, the CI run), may be empty.
	URL string `json:"url,omitempty"`
}

// ReportOf summarises an executed (kind "apply") or planned (kind "plan") plan.
// Only names, files and messages go in: the plan's masked texts, never objects.
func ReportOf(kind string, p *plan.Plan, target, url string) Report {
	c := p.Counts()
	r := Report{Kind: kind, Source: p.Source, Revision: p.Revision, Target: target, Counts: c, URL: url,
		Succeeded: c.Problems == 0 && c.Failed == 0}
	add := func(s string) {
		if len(r.Failures) < maxFailures {
			r.Failures = append(r.Failures, s)
		} else {
			r.MoreFailures++
		}
	}
	for _, pr := range p.Problems {
		add(oneLine(pr.String()))
	}
	for _, ch := range p.Changes {
		if ch.Result != plan.Failed {
			continue
		}
		s := ch.ID.String()
		if ch.Source.File != "" {
			s += " (" + ch.Source.String() + ")"
		}
		if ch.Error != "" {
			s += ": " + ch.Error
		}
		add(oneLine(s))
	}
	return r
}

// Title is the report's first line, e.g. "apply of abc1234 to prod failed: 2 failed".
func (r Report) Title() string {
	var b strings.Builder
	b.WriteString(r.Kind)
	if r.Revision != "" {
		b.WriteString(" of " + gitrepo.ShortSHA(r.Revision, 12))
	}
	if r.Target != "" {
		b.WriteString(" to " + r.Target)
	}
	if r.Succeeded {
		b.WriteString(" succeeded")
	} else {
		b.WriteString(" failed")
	}
	return b.String()
}

// CountsText is "2 created, 1 updated, 0 deleted, 5 unchanged" (or "to create" for a plan).
func (r Report) CountsText() string {
	c := r.Counts
	verbs := [3]string{"created", "updated", "deleted"}
	if r.Kind == "plan" {
		verbs = [3]string{"to create", "to update", "to delete"}
	}
	s := fmt.Sprintf("%d %s, %d %s, %d %s, %d unchanged", c.Create, verbs[0], c.Update, verbs[1], c.Delete, verbs[2], c.Unchanged)
	if c.Skip > 0 {
		s += fmt.Sprintf(", %d skipped", c.Skip)
	}
	if c.Failed > 0 {
		s += fmt.Sprintf(", %d failed", c.Failed)
	}
	if c.Problems > 0 {
		s += fmt.Sprintf(", %d problems", c.Problems)
	}
	return s
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 500 {
		s = s[:500] + "…"
	}
	return s
}
