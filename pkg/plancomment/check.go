package plancomment

import (
	"fmt"
	"strings"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// CheckTextBytes is the most a check run's summary or text may hold (GitHub's 65,535
// characters, counted as bytes to be safe); Check leaves room for the note it adds.
const CheckTextBytes = 65535

// MaxNotes bounds the notes of one Check: each 50 cost a request to GitHub, and a
// repository can hold any number of objects. Past it the summary says how many were
// left out.
const MaxNotes = 500

// Note levels, as check run annotations name them.
const (
	NoteFailure = "failure"
	NoteWarning = "warning"
	NoteNotice  = "notice"
)

// Note is a remark on a line of a file of the repository (relative to its root), for
// a check run's annotation on the pull request's Files tab.
type Note struct {
	File    string
	Line    int
	Level   string
	Title   string
	Message string
}

// Check is one target's plan as a check run shows it: Title the counts in one line,
// Summary the plan without its diffs (counts, problems, objects), Text every diff
// that fits, and a Note per problem (failure) and per object that changes (notice),
// at its file:line. Failed is true when the plan has problems or could not be made.
// Like the rest of the package it is text only, from a plan whose Secret values are
// already masked.
type Check struct {
	Title, Summary, Text string
	Notes                []Note
	Failed               bool
}

// NewCheck is the check of target name: its plan p, or err when it could not be
// planned; o renders the plan (its SourceURL links file:line, Title heads it).
func NewCheck(name string, p *plan.Plan, err error, o plan.MarkdownOptions) Check {
	if err != nil {
		msg := err.Error()
		return Check{Title: "could not be planned", Summary: "The plan of **" + plan.MarkdownText(name) + "** failed:\n\n" +
			fence(msg), Failed: true}
	}
	b := p.MarkdownBlocks(o)
	c := Check{Title: PlainSummary(b.Summary), Failed: len(p.Problems) > 0}
	for _, pr := range p.Problems {
		src, _, _ := pr.Brief() // the file and line that caused it, for a chain of Kustomize's
		if src.File == "" {
			continue
		}
		title := "Manifest problem"
		if pr.ID != nil {
			title = pr.ID.String()
		}
		c.Notes = append(c.Notes, Note{File: src.File, Line: max(src.Line, 1), Level: NoteFailure, Title: title, Message: pr.Message})
	}
	for _, ch := range p.Changes {
		verb := changeVerbs[ch.Action]
		if verb == "" || ch.Source.File == "" {
			continue
		}
		c.Notes = append(c.Notes, Note{File: ch.Source.File, Line: max(ch.Source.Line, 1), Level: NoteNotice,
			Title: fmt.Sprintf("%s: %s", name, verb), Message: fmt.Sprintf("%s %s", ch.ID, verb)})
	}
	var more string
	if n := len(c.Notes) - MaxNotes; n > 0 {
		c.Notes = c.Notes[:MaxNotes]
		more = fmt.Sprintf("\n\n%d more remarks on files are not shown as annotations (at most %d are).", n, MaxNotes)
	}
	budget := CheckTextBytes - len(more) - 200
	c.Summary = fitBlocks(b.Head, budget, section{b.ProblemsHeading, b.Problems}, section{b.ChangesHeading, b.Rows})
	if b.NoChanges != "" {
		c.Summary += b.NoChanges
	}
	c.Summary += more
	diffs := make([]string, len(b.Diffs))
	for i, d := range b.Diffs {
		diffs[i] = d.Block
	}
	c.Text = fitBlocks("", CheckTextBytes-200, section{b.DiffsHeading, diffs})
	return c
}

// changeVerbs says what happens to an object of each action that changes something.
var changeVerbs = map[plan.Action]string{plan.Create: "to create", plan.Update: "to update", plan.Delete: "to delete (pruned: no longer in git)"}

// section is a heading and its items, as plan.MarkdownBlocks cuts them.
type section struct {
	heading string
	items   []string
}

// fitBlocks writes head then each section with items (heading, items, a blank line)
// within budget bytes; items that do not fit are left out and a line says how many.
func fitBlocks(head string, budget int, sections ...section) string {
	var b strings.Builder
	b.WriteString(head)
	left := 0
	for _, s := range sections {
		if len(s.items) == 0 {
			continue
		}
		if left > 0 || b.Len()+len(s.heading) > budget {
			left += len(s.items)
			continue
		}
		b.WriteString(s.heading)
		for i, it := range s.items {
			if b.Len()+len(it)+1 > budget {
				left += len(s.items) - i
				break
			}
			b.WriteString(it)
		}
		b.WriteString("\n")
	}
	if left > 0 {
		fmt.Fprintf(&b, "%d more items left out: GitHub keeps at most %d characters here.\n", left, CheckTextBytes)
	}
	return b.String()
}

// fence is s in a code block no line of s can close.
func fence(s string) string {
	f := "```"
	for strings.Contains(s, f) {
		f += "`"
	}
	return f + "\n" + s + "\n" + f
}
