package plan

import (
	"fmt"
	"strings"
)

// Headings that open the lists of MarkdownBlocks. A caller spreading the blocks over
// several comments writes the heading again before the first item on each comment.
const (
	MarkdownProblemsHeading = problemsHeading
	MarkdownChangesHeading  = changesHeading
	MarkdownDiffsHeading    = diffsHeading
)

// MarkdownBlocks is a plan in Markdown cut into blocks that are each valid Markdown on
// their own, in the order WriteMarkdown writes them, for callers that spread one or
// several plans over several pull request comments (pkg/githubapp). Nothing is left
// out: fitting them into a size is the caller's job.
type MarkdownBlocks struct {
	// Summary is one line of counts, e.g. "**2** to create, **1** to delete, 7 unchanged".
	Summary string
	// Head is the title, the source and the table of counts.
	Head string
	// Problems are items of a list opened by MarkdownProblemsHeading.
	Problems []string
	// Rows are rows of a table opened by MarkdownChangesHeading; with no rows, NoChanges
	// is the text to show instead.
	Rows      []string
	NoChanges string
	// Diffs are collapsed <details> blocks, one per changed object, in plan order,
	// under MarkdownDiffsHeading.
	Diffs []MarkdownDiff
}

// MarkdownDiff is one object's diff block.
type MarkdownDiff struct {
	Block string
	d     mdDiff
}

// Truncated is the block showing only the diff's first lines, so that it fits in
// budget bytes, and a note saying how many were left out; ok is false when not even a
// few lines fit.
func (m MarkdownDiff) Truncated(budget int) (string, bool) { return m.d.truncatedBlock(budget) }

// MarkdownBlocks renders the plan as blocks (see the type). o.MaxBytes is ignored.
func (p *Plan) MarkdownBlocks(o MarkdownOptions) MarkdownBlocks {
	d := newMarkdownDoc(p, o, 0)
	b := MarkdownBlocks{Summary: p.SummaryMarkdown(), Head: d.head, Problems: d.problems, Rows: d.rows}
	if d.noChanges {
		b.NoChanges = noChangesText
	}
	for _, df := range d.diffs {
		b.Diffs = append(b.Diffs, MarkdownDiff{Block: df.full, d: df})
	}
	return b
}

// SummaryMarkdown is the plan's counts on one line, changes in bold: "**2** to
// create, **1** to update, **1** to delete, 5 unchanged, 1 skipped", with problems
// and failures first when there are any.
func (p *Plan) SummaryMarkdown() string {
	c := p.Counts()
	var parts []string
	if c.Problems > 0 {
		parts = append(parts, fmt.Sprintf("**%s** (nothing will be applied)", plural(c.Problems, "problem", "problems")))
	}
	if c.Failed > 0 {
		parts = append(parts, fmt.Sprintf("**%d failed**", c.Failed))
	}
	for _, r := range []struct {
		n    int
		what string
	}{{c.Create, "to create"}, {c.Update, "to update"}, {c.Delete, "to delete"}} {
		if r.n > 0 {
			parts = append(parts, fmt.Sprintf("**%d** %s", r.n, r.what))
		}
	}
	if c.Create+c.Update+c.Delete == 0 && c.Problems == 0 {
		parts = append(parts, "no changes")
	}
	parts = append(parts, fmt.Sprintf("%d unchanged", c.Unchanged))
	if c.Skip > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped", c.Skip))
	}
	return strings.Join(parts, ", ")
}
