package plan

import (
	"fmt"
	"io"
	"strings"
)

// TextOptions control the terminal rendering of a Plan.
type TextOptions struct {
	// Color wraps actions and diff lines in ANSI colour codes.
	Color bool
	// ShowUnchanged lists unchanged objects too (they are only counted otherwise).
	ShowUnchanged bool
	// NoDiff leaves the diffs out.
	NoDiff bool
}

// ANSI colour codes; no dependency needed for five of them.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiDim    = "\x1b[2m"
)

// actionStyle is how an action is marked in text output.
var actionStyle = map[Action]struct{ sigil, color string }{
	Create:    {"+", ansiGreen},
	Update:    {"~", ansiYellow},
	Delete:    {"-", ansiRed},
	Unchanged: {"=", ansiDim},
	Skip:      {"!", ansiYellow},
}

// unverifiedReason is shown for a create the server could not dry-run when the
// change carries no reason of its own.
const unverifiedReason = "unverifiable until the CRD exists"

// WriteText writes the plan as a terminal report: problems first, then one line per
// change ("+ create  Deployment.apps shop/web  (apps/web.yaml:3)") with its diff
// indented beneath, then a summary line. After execution each line carries its
// result and the summary counts what was applied.
func (p *Plan) WriteText(w io.Writer, o TextOptions) error {
	t := textWriter{color: o.Color}
	if len(p.Problems) > 0 {
		t.line(t.paint(ansiBold+ansiRed, "Problems (nothing will be applied):"))
		for _, pr := range p.Problems {
			t.block("  ", "    ", pr.String(), ansiRed)
		}
		t.line("")
	}

	shown := make([]Change, 0, len(p.Changes))
	width := 0
	for _, ch := range p.Changes {
		if ch.Action == Unchanged && !o.ShowUnchanged {
			continue
		}
		shown = append(shown, ch)
		width = max(width, len(ch.Action))
	}
	for _, ch := range shown {
		t.change(ch, width)
		if !o.NoDiff && ch.Diff != "" && (ch.Action == Create || ch.Action == Update || ch.Action == Delete) {
			t.diff(ch.Diff)
		}
	}
	if len(shown) > 0 {
		t.line("")
	}
	t.line(summaryLine(p))

	if _, err := io.WriteString(w, t.b.String()); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return nil
}

type textWriter struct {
	b     strings.Builder
	color bool
}

func (t *textWriter) line(s string) {
	t.b.WriteString(s)
	t.b.WriteByte('\n')
}

func (t *textWriter) paint(code, s string) string {
	if !t.color || s == "" {
		return s
	}
	return code + s + ansiReset
}

// block writes a possibly multi-line message: the first line after first, the
// others after rest.
func (t *textWriter) block(first, rest, msg, code string) {
	for i, l := range strings.Split(strings.TrimRight(cleanText(msg), "\n"), "\n") {
		prefix := first
		if i > 0 {
			prefix = rest
		}
		t.line(prefix + t.paint(code, l))
	}
}

func (t *textWriter) change(ch Change, width int) {
	style, ok := actionStyle[ch.Action]
	if !ok {
		style.sigil, style.color = "?", ansiBold
	}
	var b strings.Builder
	b.WriteString(t.paint(style.color, fmt.Sprintf("%s %-*s", style.sigil, width, ch.Action)))
	b.WriteString("  ")
	b.WriteString(cleanText(ch.ID.String()))
	if ch.Source.File != "" {
		fmt.Fprintf(&b, "  (%s)", cleanText(ch.Source.String()))
	}
	for _, ic := range ch.ImageChanges() {
		fmt.Fprintf(&b, "  (image %s -> %s)", oneLine(cleanText(ic.From)), oneLine(cleanText(ic.To)))
	}
	if r := reasonOf(ch); r != "" {
		fmt.Fprintf(&b, "  (%s)", oneLine(cleanText(r)))
	}
	// Multi-line errors continue indented under the change.
	var more []string
	if res, ok := resultText(ch); ok {
		lines := strings.Split(strings.TrimRight(cleanText(res), "\n"), "\n")
		code := ansiGreen
		if ch.Result == Failed || ch.Error != "" {
			code = ansiBold + ansiRed
		}
		b.WriteString("  -> ")
		b.WriteString(t.paint(code, lines[0]))
		for _, l := range lines[1:] {
			more = append(more, "      "+t.paint(code, l))
		}
	}
	t.line(b.String())
	for _, l := range more {
		t.line(l)
	}
}

// diff writes a unified diff indented under its change, without the ---/+++ header
// lines (the change line names the object).
func (t *textWriter) diff(d string) {
	lines := strings.Split(strings.TrimSuffix(d, "\n"), "\n")
	if len(lines) >= 2 && strings.HasPrefix(lines[0], "--- ") && strings.HasPrefix(lines[1], "+++ ") {
		lines = lines[2:]
	}
	for _, l := range lines {
		l = cleanText(l)
		code := ""
		switch {
		case strings.HasPrefix(l, "@@"):
			code = ansiCyan
		case strings.HasPrefix(l, "+"):
			code = ansiGreen
		case strings.HasPrefix(l, "-"):
			code = ansiRed
		}
		if code == "" {
			t.line("    " + l)
			continue
		}
		t.line("    " + t.paint(code, l))
	}
}

// reasonOf explains a skip, an unverified create, or any other change with a reason.
func reasonOf(ch Change) string {
	if ch.Reason != "" {
		return ch.Reason
	}
	if ch.Unverified {
		return unverifiedReason
	}
	return ""
}

// resultText is what happened to a change when the plan was executed; ok is false
// when it was not run.
func resultText(ch Change) (string, bool) {
	switch {
	case ch.Result == Failed && ch.Error != "":
		return "FAILED: " + ch.Error, true
	case ch.Result == Failed:
		return "FAILED", true
	case ch.Error != "":
		return "error: " + ch.Error, true
	case ch.Result != NotRun:
		return string(ch.Result), true
	}
	return "", false
}

// executed reports whether the plan carries results of an execution.
func executed(p *Plan) bool {
	for _, ch := range p.Changes {
		if ch.Result != NotRun || ch.Error != "" {
			return true
		}
	}
	return false
}

// outcome counts what an execution did.
type outcome struct{ created, updated, deleted, notRun int }

func outcomeOf(p *Plan) outcome {
	var o outcome
	for _, ch := range p.Changes {
		switch {
		case ch.Result == Failed:
		case ch.Action == Create && ch.Result == Applied:
			o.created++
		case ch.Action == Update && ch.Result == Applied:
			o.updated++
		case ch.Action == Delete && (ch.Result == Deleted || ch.Result == Applied):
			o.deleted++
		case ch.Action == Create || ch.Action == Update || ch.Action == Delete:
			o.notRun++
		}
	}
	return o
}

// summaryLine is "Plan: 2 to create, 1 to update, 0 to delete, 5 unchanged, 1 skipped."
// or, after execution, "Applied: 2 created, 1 updated, 0 deleted, 5 unchanged,
// 1 skipped, 0 failed." (with ", N not run" when some changes were not attempted).
func summaryLine(p *Plan) string {
	c := p.Counts()
	if !executed(p) {
		return fmt.Sprintf("Plan: %d to create, %d to update, %d to delete, %d unchanged, %d skipped.",
			c.Create, c.Update, c.Delete, c.Unchanged, c.Skip)
	}
	o := outcomeOf(p)
	s := fmt.Sprintf("Applied: %d created, %d updated, %d deleted, %d unchanged, %d skipped, %d failed",
		o.created, o.updated, o.deleted, c.Unchanged, c.Skip, c.Failed)
	if o.notRun > 0 {
		s += fmt.Sprintf(", %d not run", o.notRun)
	}
	return s + "."
}

// cleanText drops control characters other than newline and tab, so that text from
// the cluster or from manifests cannot move the cursor or recolour a terminal.
func cleanText(s string) string {
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return -1
		}
		return r
	}, s)
}

func isControl(r rune) bool {
	return (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r < 0xa0)
}

// oneLine joins the lines of s with spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
