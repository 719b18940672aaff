package plan

import (
	"cmp"
	"fmt"
	"html"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githublimit"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
)

// DefaultMarkdownMaxBytes leaves 1 KiB of a GitHub comment for what the caller adds
// around the plan (a marker for a sticky comment, a footer).
const DefaultMarkdownMaxBytes = githublimit.CommentChars - 1024

// minTruncatedLines is the fewest diff lines worth showing of a truncated diff.
const minTruncatedLines = 5

// MarkdownOptions control the Markdown rendering of a Plan.
type MarkdownOptions struct {
	// MaxBytes bounds the size of the output; 0 means DefaultMarkdownMaxBytes.
	MaxBytes int
	// Title is the heading; by default "kubectl gitops plan", or "kubectl gitops apply"
	// for an executed plan.
	Title string
	// SourceURL, when set, links each file:line to the URL it returns (e.g. the file
	// at the pull request's head commit); "" leaves that source unlinked.
	SourceURL func(manifest.Source) string
	// Repository, when set, names and links the repository on the source line; else
	// the plan's Repository is shown as it is, unlinked.
	Repository *MarkdownRepository
	// HeadingLevel is the level of the title's heading (2 when 0); the plan's sections
	// (problems, changes, diffs) are one level below it.
	HeadingLevel int
}

// WriteMarkdown writes the plan for a pull request comment or a job summary: one
// heading (the title), where the plan was read from (repository, paths, commit), the
// counts on one line, then sections one level below: the problems, a table of the
// objects that change (or are skipped), and each diff in a collapsed <details> block. The output never exceeds
// MaxBytes: diffs are left out, largest first, and then the largest that was left out
// is shown truncated if room remains; a note says what was left out. Only when even
// that is not enough are rows of the tables left out. It fails only when MaxBytes
// cannot hold the title and the counts.
func (p *Plan) WriteMarkdown(w io.Writer, o MarkdownOptions) error {
	limit := o.MaxBytes
	if limit <= 0 {
		limit = DefaultMarkdownMaxBytes
	}
	d := newMarkdownDoc(p, o, limit)
	out, err := d.fit()
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, out); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return nil
}

// markdownDoc is a plan cut into the parts that can be left out.
type markdownDoc struct {
	head  string // title, source, counts
	title string // the title as Markdown text
	body  string // head without its heading
	// the headings of the sections, one level below the title
	problemsHeading, changesHeading, diffsHeading string
	problems                                      []string // list items
	rows                                          []string // rows of the changes table
	// problemBytes[i] and rowBytes[i] are the lengths of the first i items.
	problemBytes, rowBytes []int
	noChanges              bool     // no row at all: say so instead of a table
	diffs                  []mdDiff // in plan order
	limit                  int
	limitText              string
}

type mdDiff struct {
	summary string   // the <summary> HTML
	fence   string   // a backtick fence longer than any run in the diff
	lines   []string // the diff's lines, each ending in "\n"
	full    string   // the whole block
}

// diffState is how a diff appears in the output.
type diffState int

const (
	diffFull diffState = iota
	diffOmitted
	diffTruncated
)

// mdSelection is what of a markdownDoc is rendered.
type mdSelection struct {
	nProblems, nRows int
	state            []diffState
	truncated        []string // the block of a truncated diff
}

const (
	problemsTitle = "Problems"
	changesTitle  = "Changes"
	diffsTitle    = "Diffs"
	changesTable  = "| Action | Object | Source | Details |\n| --- | --- | --- | --- |\n"
	noChangesText = "No changes.\n\n"
	detailsEnd    = "\n</details>\n\n"
)

// MarkdownSectionHeadings are the headings, at level, of a plan's sections: its
// problems, its changes (with the table's header) and its diffs.
func MarkdownSectionHeadings(level int) (problems, changes, diffs string) {
	return heading(level, problemsTitle), heading(level, changesTitle) + changesTable, heading(level, diffsTitle)
}

// heading is a Markdown heading of level (1 to 6) followed by a blank line.
func heading(level int, text string) string {
	return strings.Repeat("#", min(max(level, 1), 6)) + " " + text + "\n\n"
}

func newMarkdownDoc(p *Plan, o MarkdownOptions, limit int) *markdownDoc {
	exec := executed(p)
	title := o.Title
	if title == "" {
		title = "kubectl gitops plan"
		if exec {
			title = "kubectl gitops apply"
		}
	}
	level := o.HeadingLevel
	if level <= 0 {
		level = 2
	}
	d := &markdownDoc{limit: limit, limitText: limitText(limit)}
	d.problemsHeading, d.changesHeading, d.diffsHeading = MarkdownSectionHeadings(level + 1)

	d.title = mdText(title)
	var h strings.Builder
	if src := sourceLine(p, o.Repository); src != "" {
		h.WriteString(src + "\n\n")
	}
	// The counts, once; with problems, that nothing will be applied and why.
	if exec {
		h.WriteString(p.resultsMarkdown() + "\n\n")
	} else {
		h.WriteString(p.SummaryMarkdown() + "\n\n")
	}
	d.body = h.String()
	d.head = heading(level, d.title) + d.body

	for _, pr := range p.Problems {
		d.problems = append(d.problems, markdownProblem(pr, o.SourceURL))
	}

	for _, ch := range p.Changes {
		if ch.Action == Unchanged {
			continue
		}
		src := ""
		if ch.Source.File != "" {
			src = mdCell(mdSource(ch.Source, o.SourceURL))
		}
		d.rows = append(d.rows, fmt.Sprintf("| %s | %s | %s | %s |\n",
			mdText(string(ch.Action)), mdCell(mdCode(ch.ID.String())), src, markdownDetails(ch)))
		if ch.Diff != "" && (ch.Action == Create || ch.Action == Update || ch.Action == Delete) {
			d.diffs = append(d.diffs, newMDDiff(ch))
		}
	}
	// With problems nothing is applied: the counts say so, not "No changes.".
	d.noChanges = len(d.rows) == 0 && len(d.problems) == 0
	d.problemBytes, d.rowBytes = prefixLengths(d.problems), prefixLengths(d.rows)
	return d
}

func newMDDiff(ch Change) mdDiff {
	text := cleanText(ch.Diff)
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	md := mdDiff{
		summary: fmt.Sprintf("<details><summary>%s <code>%s</code></summary>\n\n",
			html.EscapeString(string(ch.Action)), html.EscapeString(oneLine(cleanText(ch.ID.String())))),
		fence: strings.Repeat("`", max(3, longestRun(text, '`')+1)),
		lines: strings.SplitAfter(strings.TrimSuffix(text, "\n"), "\n"),
	}
	md.lines[len(md.lines)-1] += "\n"
	md.full = md.summary + md.fence + "diff\n" + text + md.fence + "\n" + detailsEnd
	return md
}

// truncatedBlock is the diff's block showing as many leading lines as fit in budget
// bytes; ok is false when fewer than minTruncatedLines would fit.
func (m mdDiff) truncatedBlock(budget int) (string, bool) {
	note := func(shown int) string {
		return fmt.Sprintf("\n_Diff truncated: %d of %d lines shown._\n", shown, len(m.lines))
	}
	fixed := len(m.summary) + len(m.fence) + len("diff\n") + len(m.fence) + 1 + len(note(len(m.lines))) + len(detailsEnd)
	avail := budget - fixed
	n, used := 0, 0
	for n < len(m.lines) && used+len(m.lines[n]) <= avail {
		used += len(m.lines[n])
		n++
	}
	if n < minTruncatedLines || n == len(m.lines) {
		return "", false
	}
	return m.summary + m.fence + "diff\n" + strings.Join(m.lines[:n], "") + m.fence + "\n" + note(n) + detailsEnd, true
}

// fit chooses what to leave out so that the document fits the limit, and renders it.
func (d *markdownDoc) fit() (string, error) {
	sel := mdSelection{
		nProblems: len(d.problems),
		nRows:     len(d.rows),
		state:     make([]diffState, len(d.diffs)),
		truncated: make([]string, len(d.diffs)),
	}
	if d.size(sel) <= d.limit {
		return d.render(sel), nil
	}

	// Leave out diffs, largest first (the later one of two the same size).
	order := make([]int, len(d.diffs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(len(d.diffs[b].full), len(d.diffs[a].full)); c != 0 {
			return c
		}
		return cmp.Compare(b, a)
	})
	for _, i := range order {
		if d.size(sel) <= d.limit {
			break
		}
		sel.state[i] = diffOmitted
	}

	// Then rows of the changes table and items of the problems list, from the end.
	for sel.nRows > 0 && d.size(sel) > d.limit {
		sel.nRows--
	}
	for sel.nProblems > 0 && d.size(sel) > d.limit {
		sel.nProblems--
	}
	if size := d.size(sel); size > d.limit {
		return "", fmt.Errorf("render plan as Markdown: %d bytes are too few for the title and counts (%d bytes)", d.limit, size)
	}

	// With room left, show the beginning of diffs that were left out, largest first.
	if sel.nRows == len(d.rows) {
		for _, i := range order {
			if sel.state[i] != diffOmitted {
				continue
			}
			sel.state[i] = diffTruncated
			sel.truncated[i] = ""
			block, ok := d.diffs[i].truncatedBlock(d.limit - d.size(sel))
			if !ok {
				sel.state[i] = diffOmitted
				continue
			}
			sel.truncated[i] = block
		}
	}

	out := d.render(sel)
	if len(out) > d.limit {
		return "", fmt.Errorf("render plan as Markdown: %d bytes exceed the limit of %d (a bug)", len(out), d.limit)
	}
	return out, nil
}

// size is the length of render(sel), computed without rendering.
func (d *markdownDoc) size(sel mdSelection) int {
	n := len(d.head) + len(d.note(sel))
	if len(d.problems) > 0 {
		n += len(d.problemsHeading) + d.problemBytes[sel.nProblems] + len(d.moreProblems(sel)) + 1
	}
	if d.noChanges {
		n += len(noChangesText)
	} else if len(d.rows) > 0 {
		n += len(d.changesHeading) + d.rowBytes[sel.nRows] + 1 + len(d.moreRows(sel))
	}
	shown := 0
	for i, st := range sel.state {
		switch st {
		case diffFull:
			n += len(d.diffs[i].full)
			shown++
		case diffTruncated:
			n += len(sel.truncated[i])
			shown++
		}
	}
	if shown > 0 {
		n += len(d.diffsHeading)
	}
	return n
}

func (d *markdownDoc) render(sel mdSelection) string {
	var b strings.Builder
	b.Grow(d.size(sel))
	b.WriteString(d.head)
	b.WriteString(d.note(sel))
	if len(d.problems) > 0 {
		b.WriteString(d.problemsHeading)
		for _, p := range d.problems[:sel.nProblems] {
			b.WriteString(p)
		}
		b.WriteString(d.moreProblems(sel))
		b.WriteString("\n")
	}
	if d.noChanges {
		b.WriteString(noChangesText)
	} else if len(d.rows) > 0 {
		b.WriteString(d.changesHeading)
		for _, r := range d.rows[:sel.nRows] {
			b.WriteString(r)
		}
		b.WriteString("\n")
		b.WriteString(d.moreRows(sel))
	}
	headed := false
	for i, st := range sel.state {
		if st == diffOmitted {
			continue
		}
		if !headed {
			b.WriteString(d.diffsHeading)
			headed = true
		}
		if st == diffFull {
			b.WriteString(d.diffs[i].full)
		} else {
			b.WriteString(sel.truncated[i])
		}
	}
	return b.String()
}

func (d *markdownDoc) moreProblems(sel mdSelection) string {
	if n := len(d.problems) - sel.nProblems; n > 0 {
		return fmt.Sprintf("- … and %s more (not listed)\n", plural(n, "problem", "problems"))
	}
	return ""
}

func (d *markdownDoc) moreRows(sel mdSelection) string {
	if n := len(d.rows) - sel.nRows; n > 0 {
		return fmt.Sprintf("_… and %s not listed._\n\n", plural(n, "more object", "more objects"))
	}
	return ""
}

// note says what was left out, and where to see all of it.
func (d *markdownDoc) note(sel mdSelection) string {
	omitted, truncated := 0, 0
	for _, st := range sel.state {
		switch st {
		case diffOmitted:
			omitted++
		case diffTruncated:
			truncated++
		}
	}
	var parts []string
	if omitted > 0 {
		parts = append(parts, plural(omitted, "diff", "diffs")+" omitted")
	}
	if truncated > 0 {
		if omitted > 0 {
			parts = append(parts, fmt.Sprintf("%d truncated", truncated))
		} else {
			parts = append(parts, plural(truncated, "diff", "diffs")+" truncated")
		}
	}
	if n := len(d.rows) - sel.nRows; n > 0 {
		parts = append(parts, plural(n, "object", "objects")+" not listed")
	}
	if n := len(d.problems) - sel.nProblems; n > 0 {
		parts = append(parts, plural(n, "problem", "problems")+" not listed")
	}
	if len(parts) == 0 {
		return ""
	}
	what := parts[0]
	if len(parts) > 1 {
		what = strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
	}
	return fmt.Sprintf("> **Note:** %s to fit %s; run `kubectl gitops plan` locally for the full diff.\n\n", what, d.limitText)
}

// limitText names the limit in the note: GitHub's comment limit when the output is
// meant for a comment, the byte count otherwise (a job summary allows 1 MiB).
func limitText(limit int) string {
	if limit <= githublimit.CommentChars {
		return "GitHub's " + thousands(githublimit.CommentChars) + "-character limit"
	}
	return "the " + thousands(limit) + "-byte limit"
}

// markdownProblem is a problem as an item of a list: its file:line and its cause
// first (Problem.Brief); a long chain of Kustomize's follows whole, collapsed.
func markdownProblem(pr Problem, link func(manifest.Source) string) string {
	src, cause, brief := pr.Brief()
	var b strings.Builder
	b.WriteString("- ")
	if src.File != "" {
		b.WriteString(mdSource(src, link) + " ")
	}
	if pr.ID != nil {
		b.WriteString(mdCode(pr.ID.String()) + ": ")
	}
	b.WriteString(mdText(cause) + "\n")
	if brief {
		// Inside the item: every line indented by two spaces.
		full := oneLine(cleanText(pr.Message))
		fence := strings.Repeat("`", max(3, longestRun(full, '`')+1))
		b.WriteString("\n  <details><summary>Kustomize's whole message</summary>\n\n  " + fence + "text\n  " + full + "\n  " + fence + "\n\n  </details>\n\n")
	}
	return b.String()
}

// markdownDetails is the Details cell of a change: its reason and its result.
func markdownDetails(ch Change) string {
	var parts []string
	for _, ic := range ch.ImageChanges() {
		parts = append(parts, "image "+mdCell(mdCode(ic.From))+" → "+mdCell(mdCode(ic.To)))
	}
	if r := reasonOf(ch); r != "" {
		parts = append(parts, mdText(r))
	}
	if res, ok := resultText(ch); ok {
		if ch.Result == Failed {
			res = "**FAILED**"
			if ch.Error != "" {
				res += ": " + mdText(ch.Error)
			}
		} else {
			res = mdText(res)
		}
		parts = append(parts, res)
	}
	return strings.Join(parts, "; ")
}

// mdText is s as literal inline Markdown text on one line (see MarkdownText).
func mdText(s string) string { return MarkdownText(s) }

// mdCode is s as an inline code span on one line (see MarkdownCode).
func mdCode(s string) string { return MarkdownCode(s) }

// mdSource is a file:line as inline code, linked when link gives it a URL.
func mdSource(s manifest.Source, link func(manifest.Source) string) string {
	code := mdCode(s.String())
	if link == nil {
		return code
	}
	u := link(s)
	if u == "" {
		return code
	}
	return MarkdownLink(code, u)
}

// mdCell escapes the table cell separator in s (GitHub requires it even inside code
// spans).
func mdCell(s string) string { return MarkdownTableCell(s) }

// prefixLengths returns the total length of the first i strings, for each i.
func prefixLengths(items []string) []int {
	sums := make([]int, len(items)+1)
	for i, s := range items {
		sums[i+1] = sums[i] + len(s)
	}
	return sums
}

// longestRun is the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] != c {
			run = 0
			continue
		}
		run++
		longest = max(longest, run)
	}
	return longest
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// thousands formats n with commas: 65536 -> "65,536".
func thousands(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
