package plancomment

import "strings"

// Summary is the comment in one line for a commit status description: each
// section's counts, without Markdown, prefixed by its name when there are several.
func (c Comment) Summary() string {
	var parts []string
	for _, s := range c.Sections {
		text := PlainSummary(s.Blocks.Summary)
		if s.Error != "" {
			text = "failed"
		}
		if len(c.Sections) > 1 {
			text = s.Name + ": " + text
		}
		parts = append(parts, text)
	}
	return strings.Join(parts, "; ")
}

// PlainSummary is a plan's summary line (plan.Plan.SummaryMarkdown) without its
// Markdown, for a commit status: "2 to create, 1 to update, 5 unchanged".
func PlainSummary(markdown string) string {
	return strings.ReplaceAll(markdown, "**", "")
}
