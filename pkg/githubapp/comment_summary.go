package githubapp

import (
	"fmt"
	"strings"
)

// PlanTitle is the first line of a plan comment for head: "kubectl gitops plan for
// `abc1234`".
func PlanTitle(head string) string {
	if len(head) > 7 {
		head = head[:7]
	}
	return fmt.Sprintf("kubectl gitops plan for `%s`", head)
}

// Summary is the comment in one line for a commit status description: each
// section's counts, without Markdown, prefixed by its name when there are several.
func (c PlanComment) Summary() string {
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
