package plan

import (
	"fmt"
	"strings"
)

// MarkdownBlocks is a plan in Markdown cut into blocks that are each valid Markdown on
// their own, in the order WriteMarkdown writes them, for callers that spread one or
// several plans over several pull request comments (pkg/githubapp). Nothing is left
// out: fitting them into a size is the caller's job.
type MarkdownBlocks struct {
	// Summary is one line of counts, e.g. "**2** to create, **1** to delete, 7 unchanged".
	Summary string
	// Head is the title's heading, the source line and the counts (Summary, or the
	// results of an executed plan).
	Head string
	// Title is the title as Markdown text, and HeadBody is Head without its heading,
	// for a caller that heads the plan itself (a comment of one plan).
	Title, HeadBody string
	// Problems are items of a list opened by ProblemsHeading.
	Problems []string
	// Rows are rows of a table opened by ChangesHeading (the heading and the table's
	// header); with no rows and no problems, NoChanges is the text to show instead.
	Rows      []string
	NoChanges string
	// Diffs are collapsed <details> blocks, one per changed object, in plan order,
	// under DiffsHeading.
	Diffs []MarkdownDiff
	// The headings of the sections, one level below Head's. A caller spreading the
	// blocks over several comments writes a heading again before the first item on
	// each comment.
	ProblemsHeading, ChangesHeading, DiffsHeading string
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
	b := MarkdownBlocks{Summary: p.SummaryMarkdown(), Head: d.head, Title: d.title, HeadBody: d.body, Problems: d.problems, Rows: d.rows,
		ProblemsHeading: d.problemsHeading, ChangesHeading: d.changesHeading, DiffsHeading: d.diffsHeading}
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
	parts := countParts(c, "nothing will be applied", []countPart{{c.Create, "to create"}, {c.Update, "to update"}, {c.Delete, "to delete"}})
	if c.Create+c.Update+c.Delete == 0 && c.Problems == 0 {
		parts = append(parts, "no changes")
	}
	return strings.Join(tailParts(parts, c), ", ")
}

// resultsMarkdown is an executed plan's outcome on one line: "**1 failed**, **2**
// created, **1** deleted, 5 unchanged".
func (p *Plan) resultsMarkdown() string {
	c, o := p.Counts(), outcomeOf(p)
	parts := countParts(c, "nothing was applied", []countPart{{o.created, "created"}, {o.updated, "updated"}, {o.deleted, "deleted"}})
	if o.notRun > 0 {
		parts = append(parts, fmt.Sprintf("%d not run", o.notRun))
	}
	return strings.Join(tailParts(parts, c), ", ")
}

// countPart is a number of objects and what happens to them.
type countPart struct {
	n    int
	what string
}

// countParts are the head of a counts line: the problems (saying nothing), the
// failures, then each non-zero row in bold.
func countParts(c Counts, nothing string, rows []countPart) []string {
	var parts []string
	if c.Problems > 0 {
		parts = append(parts, fmt.Sprintf("**%s** (%s)", plural(c.Problems, "problem", "problems"), nothing))
	}
	if c.Failed > 0 {
		parts = append(parts, fmt.Sprintf("**%d failed**", c.Failed))
	}
	for _, r := range rows {
		if r.n > 0 {
			parts = append(parts, fmt.Sprintf("**%d** %s", r.n, r.what))
		}
	}
	return parts
}

// tailParts ends a counts line: the unchanged objects, and the skipped ones if any.
func tailParts(parts []string, c Counts) []string {
	parts = append(parts, fmt.Sprintf("%d unchanged", c.Unchanged))
	if c.Skip > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped", c.Skip))
	}
	return parts
}
