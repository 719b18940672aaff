package plancomment

import (
	"fmt"
	"strings"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githublimit"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// markerReserve is what a page leaves for the hidden marker of a sticky comment.
const markerReserve = 256

// Groups of atoms: a target's head (its heading, source and counts) or error, its
// "No changes.", the items of its problems list and of its changes table, its diffs.
const (
	groupHead     = "head"
	groupError    = "error"
	groupNone     = "none"
	groupProblems = "problems"
	groupRows     = "rows"
	groupDiffs    = "diffs"
)

// defaultTitle is the words a plan's title starts with when it has no other
// (plan.MarkdownOptions.Title); a comment of one plan does not say them twice.
const defaultTitle = "kubectl gitops plan"

// atom is one block that is never split across pages.
type atom struct {
	text    string
	section int
	group   string             // heading written before the first atom of a run of this group
	diff    *plan.MarkdownDiff // set for diffs: may be shown truncated
}

// Pages lays the comment out in pages of at most limit bytes
// (githublimit.CommentChars when 0), each valid Markdown on its own: nothing is split inside a code block, a table or a
// <details> block. The first page holds the title, the summaries and, as far as they
// fit, every target's counts and list of objects; diffs follow in the room left and
// on continuation pages. A diff too large for a page of its own is shown truncated
// with a note saying so. There are at most MaxPages pages: what does not fit in them
// is left out, diffs first (every target's objects come before any diff), and the
// last page says what was left out and where the whole plan is. The first page says
// how many pages follow.
func (c Comment) Pages(limit int) []string {
	if limit <= 0 {
		limit = githublimit.CommentChars
	}
	limit -= markerReserve
	maxPages := c.MaxPages
	if maxPages <= 0 {
		maxPages = DefaultMaxPages
	}
	atoms := c.atoms(true)
	if len(c.Sections) > 1 {
		// Each target's diffs follow its objects when the whole comment fits on one
		// page; else every target's objects come first, on the first page.
		if bodies, _ := c.layout(atoms, func(int) int { return limit - len(c.pageHeader(1, 1)) - len(c.Footer) }, 0); len(bodies) > 1 {
			atoms = c.atoms(false)
		}
	}

	// The first page holds its header, the note on how many pages follow and the
	// footer; the others a header whose size is bounded: reserve the largest.
	first := limit - len(c.pageHeader(1, 1)) - len(moreNote(999, true)) - len(c.Footer)
	rest := limit - len(c.pageHeader(999, 999))
	budget := func(page int) int {
		if page == 0 {
			return max(first, 1024)
		}
		return max(rest, 1024)
	}

	bodies, placed := c.layout(atoms, budget, 0)
	cut := len(bodies) > maxPages
	if cut {
		// Again, leaving room on the last page for the note on what is left out.
		reserve := len(c.cutNote(maxPages, leftOut{diffs: len(atoms), objects: len(atoms), problems: len(atoms), targets: len(atoms)}))
		bodies, placed = c.layout(atoms, func(page int) int {
			if page == maxPages-1 {
				return budget(page) - reserve
			}
			return budget(page)
		}, maxPages)
		bodies[len(bodies)-1] += c.cutNote(maxPages, leftOutOf(atoms[placed:]))
	}

	pages := make([]string, len(bodies))
	for i, body := range bodies {
		var p strings.Builder
		p.WriteString(c.pageHeader(i+1, len(bodies)))
		if i == 0 && len(bodies) > 1 {
			p.WriteString(moreNote(len(bodies)-1, cut))
		}
		p.WriteString(body)
		if i == 0 {
			p.WriteString(c.Footer)
		}
		pages[i] = p.String()
	}
	return pages
}

// layout fills pages with atoms, each page within budget(page) bytes, and returns
// the pages' bodies and how many atoms they hold. With maxPages over 0, it stops when
// that many pages are full.
func (c Comment) layout(atoms []atom, budget func(page int) int, maxPages int) ([]string, int) {
	var bodies []string
	var b strings.Builder
	lastSection, lastGroup := -1, ""
	flush := func() {
		bodies = append(bodies, b.String())
		b.Reset()
		lastSection, lastGroup = -1, ""
	}
	for i, a := range atoms {
		for {
			lead := c.lead(a, lastSection, lastGroup)
			text := a.text
			room := budget(len(bodies)) - b.Len() - len(lead)
			if len(text) > room && b.Len() == 0 {
				text = shorten(a, room)
			}
			if len(text) <= room {
				b.WriteString(lead)
				b.WriteString(text)
				lastSection, lastGroup = a.section, a.group
				break
			}
			if maxPages > 0 && len(bodies) == maxPages-1 {
				flush()
				return bodies, i
			}
			flush()
		}
	}
	if b.Len() > 0 || len(bodies) == 0 {
		flush()
	}
	return bodies, len(atoms)
}

// leftOut counts what the pages leave out.
type leftOut struct{ diffs, objects, problems, targets int }

func leftOutOf(atoms []atom) leftOut {
	var n leftOut
	for _, a := range atoms {
		switch a.group {
		case groupDiffs:
			n.diffs++
		case groupRows:
			n.objects++
		case groupProblems:
			n.problems++
		case groupHead, groupError:
			n.targets++
		}
	}
	return n
}

// cutNote ends the last page of a comment cut at maxPages pages: what is left out,
// and where the whole plan is.
func (c Comment) cutNote(maxPages int, n leftOut) string {
	var parts []string
	add := func(k int, one, many string) {
		if k == 1 {
			parts = append(parts, "1 "+one)
		} else if k > 1 {
			parts = append(parts, fmt.Sprintf("%d %s", k, many))
		}
	}
	add(n.targets, "target's plan", "targets' plans")
	add(n.problems, "problem", "problems")
	add(n.objects, "object", "objects")
	add(n.diffs, "diff", "diffs")
	what := "nothing"
	switch len(parts) {
	case 0:
	case 1:
		what = parts[0]
	default:
		what = strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n> **Note:** this plan needs more than %d comments, the most this pull request gets: %s left out here.", maxPages, what)
	if n.targets == 0 && n.problems == 0 && n.objects == 0 {
		b.WriteString(" Every object is listed above.")
	}
	if c.FullPlan != "" {
		b.WriteString(" " + c.FullPlan)
	} else {
		b.WriteString(" Run `kubectl gitops plan` locally for the whole plan.")
	}
	b.WriteString("\n\n")
	return b.String()
}

// atoms orders the comment: per target its head, problems, rows and, with
// perTarget, its diffs; without, every target's diffs follow all of that.
func (c Comment) atoms(perTarget bool) []atom {
	var out []atom
	diffs := func(i int) {
		for j := range c.Sections[i].Blocks.Diffs {
			d := &c.Sections[i].Blocks.Diffs[j]
			out = append(out, atom{text: d.Block, section: i, group: groupDiffs, diff: d})
		}
	}
	for i, s := range c.Sections {
		if s.Error != "" {
			out = append(out, atom{text: c.planHeading(i) + fmt.Sprintf("**The plan failed:** %s\n\n", plan.MarkdownText(s.Error)), section: i, group: groupError})
			continue
		}
		out = append(out, atom{text: c.planHeading(i) + s.Blocks.HeadBody, section: i, group: groupHead})
		for _, p := range s.Blocks.Problems {
			out = append(out, atom{text: p, section: i, group: groupProblems})
		}
		if len(s.Blocks.Rows) == 0 && s.Blocks.NoChanges != "" {
			out = append(out, atom{text: s.Blocks.NoChanges, section: i, group: groupNone})
		}
		for _, r := range s.Blocks.Rows {
			out = append(out, atom{text: r, section: i, group: groupRows})
		}
		if perTarget {
			diffs(i)
		}
	}
	if !perTarget {
		for i := range c.Sections {
			diffs(i)
		}
	}
	return out
}

// The comment's heading is level 2. A comment of one plan has no other: that plan's
// sections are level 3. With several, each plan has its heading at level 3 and its
// sections at level 4.
const commentLevel = 2

func (c Comment) planLevel() int {
	if len(c.Sections) == 1 {
		return commentLevel
	}
	return commentLevel + 1
}

// planHeading is the heading of section i: "" when it is the comment's only one (the
// comment's heading is its heading).
func (c Comment) planHeading(i int) string {
	if len(c.Sections) == 1 {
		return ""
	}
	return strings.Repeat("#", c.planLevel()) + " " + c.sectionTitle(i) + "\n\n"
}

// sectionTitle is section i's title as Markdown text: its Title, else its name.
func (c Comment) sectionTitle(i int) string {
	s := c.Sections[i]
	if s.Title != "" {
		return plan.MarkdownText(s.Title)
	}
	return plan.MarkdownText(s.Name)
}

// heading is the comment's heading as Markdown text: its Title and, for a comment of
// one plan, what the plan's name and title add to it ("kubectl gitops plan for
// `abc1234`: prod (live: dry-run against cluster prod-eu)").
func (c Comment) heading() string {
	h := c.Title
	if h == "" {
		h = defaultTitle
	}
	if len(c.Sections) != 1 {
		return h
	}
	s := c.Sections[0]
	rest := strings.TrimSpace(strings.TrimPrefix(s.Title, defaultTitle))
	label := rest
	if s.Name != "" && !strings.HasPrefix(rest, s.Name) {
		label = strings.TrimSpace(s.Name + " " + rest)
	}
	switch {
	case label == "":
		return h
	case strings.HasPrefix(label, "("):
		return h + " " + plan.MarkdownText(label)
	}
	return h + ": " + plan.MarkdownText(label)
}

// lead is what must precede atom a on the current page, after an atom of lastSection
// and lastGroup (-1 and "" at the top of a page): the end of the previous list or
// table, the target's heading when a target continues after another's or on a new
// page, and the heading of a list, table or the diffs.
func (c Comment) lead(a atom, lastSection int, lastGroup string) string {
	if a.section == lastSection && a.group == lastGroup {
		return ""
	}
	var b strings.Builder
	if isList(lastGroup) {
		b.WriteString("\n") // a blank line ends a list or a table
	}
	if a.group == groupHead || a.group == groupError {
		return b.String() // they carry the target's heading
	}
	if a.section != lastSection && len(c.Sections) > 1 {
		fmt.Fprintf(&b, "%s %s (continued)\n\n", strings.Repeat("#", c.planLevel()), c.sectionTitle(a.section))
	}
	problems, changes, diffs := plan.MarkdownSectionHeadings(c.planLevel() + 1)
	switch a.group {
	case groupProblems:
		b.WriteString(problems)
	case groupRows:
		b.WriteString(changes)
	case groupDiffs:
		b.WriteString(diffs)
	}
	return b.String()
}

func isList(group string) bool {
	return group == groupProblems || group == groupRows
}

// pageHeader starts page i of n: the comment's heading.
func (c Comment) pageHeader(i, n int) string {
	if i == 1 {
		return fmt.Sprintf("%s %s\n\n", strings.Repeat("#", commentLevel), c.heading())
	}
	return fmt.Sprintf("%s %s (continued, %d of %d)\n\n", strings.Repeat("#", commentLevel), c.heading(), i, n)
}

// moreNote tells the reader of the first page where the rest is.
func moreNote(n int, cut bool) string {
	where := "in the next comment"
	if n > 1 {
		where = fmt.Sprintf("in the next %d comments", n)
	}
	if cut {
		where += ", cut short: the last one says what is left out"
	}
	return "> **Note:** this plan is too long for one comment; it continues " + where + ".\n\n"
}

// shorten makes an atom too large for an empty page fit in room bytes: a diff shows
// its first lines, other text is cut with a note.
func shorten(a atom, room int) string {
	if a.diff != nil {
		if s, ok := a.diff.Truncated(room); ok {
			return s
		}
		s := fmt.Sprintf("<details><summary>diff too large to show</summary>\n\n_%d bytes: run `kubectl gitops plan` locally for it._\n</details>\n\n", len(a.diff.Block))
		return s
	}
	const note = " … _(cut to fit the comment)_\n\n"
	if room <= len(note) {
		return ""
	}
	cut := room - len(note)
	for cut > 0 && !utf8Start(a.text[cut]) {
		cut--
	}
	return strings.TrimRight(a.text[:cut], "\n`") + note
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
