package bot

import (
	"fmt"
	"strings"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plancomment"
)

// Markers of the bump pull request's body: the problems section is rewritten on its
// own when an image cannot be checked (the rest of the body stays as it was).
const (
	bumpBodyMarker     = "<!-- kubectl-gitops:image-bump -->"
	bumpProblemsMarker = "<!-- kubectl-gitops:image-bump-problems -->"
)

// bumpBody is the pull request's body: each change with its place (linked to the file
// on the branch, so the body stays the same when the branch is rebased), the policy
// that chose the tag and its minimum release age; then the problems.
func bumpBody(g *bumpGroup, htmlURL, defaultBranch string) string {
	code := plan.MarkdownCode
	cell := func(s string) string { return plan.MarkdownTableCell(plan.MarkdownCode(s)) }
	var b strings.Builder
	b.WriteString(bumpBodyMarker + "\n")
	fmt.Fprintf(&b, "Updates %s to the newest tags their policies allow.\n\n", plural(len(g.repos), "image", "images"))
	b.WriteString("| Image | From | To | Where | Policy |\n| --- | --- | --- | --- | --- |\n")
	for _, u := range g.updates {
		where := plan.MarkdownLink(cell(fmt.Sprintf("%s:%d", u.File, u.Line)), plancomment.BlobURL(htmlURL, g.branch, u.File, u.Line))
		if u.Object != nil {
			where += " " + plan.MarkdownText(u.Object.String())
		}
		if u.Container != "" {
			where += ", container " + plan.MarkdownText(u.Container)
		}
		policy := cell(u.Policy)
		if r := g.result(u); r != nil && r.MinAge() > 0 {
			policy += fmt.Sprintf(", minimum release age %s honoured", r.MinAge())
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", cell(u.Repository), cell(orDash(u.FromTag)), cell(u.ToTag), where, policy)
	}
	fmt.Fprintf(&b, "\nBranch %s is one commit on top of %s. The bot makes it again from %s when a newer tag appears or %s moves, and closes this pull request when %s no longer needs it: commits pushed to the branch are lost.\n",
		code(g.branch), code(defaultBranch), code(defaultBranch), code(defaultBranch), code(defaultBranch))
	b.WriteString(problemsSection(g.problems))
	return b.String()
}

// problemsSection lists what could not be checked, with file, line and workload.
func problemsSection(problems []images.Problem) string {
	var b strings.Builder
	b.WriteString("\n" + bumpProblemsMarker + "\n")
	if len(problems) == 0 {
		return b.String()
	}
	b.WriteString("### Problems\n\nThese images could not be checked; this pull request is left as it was until they can be:\n\n")
	for _, p := range problems {
		where := p.File
		if p.Line > 0 {
			where += fmt.Sprintf(":%d", p.Line)
		}
		line := "- " + plan.MarkdownCode(where)
		if p.Object != "" {
			line += " " + plan.MarkdownText(p.Object)
		}
		if p.Image != "" {
			line += " (" + plan.MarkdownCode(p.Image) + ")"
		}
		b.WriteString(line + ": " + plan.MarkdownText(p.Message) + "\n")
	}
	return b.String()
}

// withProblems replaces the problems section of an existing body.
func withProblems(body string, problems []images.Problem) string {
	if i := strings.Index(body, "\n"+bumpProblemsMarker); i >= 0 {
		body = body[:i]
	}
	return body + problemsSection(problems)
}

// closeComment says why a bump pull request is closed.
func closeComment(g *bumpGroup, defaultBranch string) string {
	code := plan.MarkdownCode
	var b strings.Builder
	fmt.Fprintf(&b, "%s no longer needs this bump, so the bot closes it and deletes branch %s:\n\n", code(defaultBranch), code(g.branch))
	for _, r := range g.results {
		where := code(fmt.Sprintf("%s:%d", r.File, r.Line))
		switch r.Status {
		case images.StatusUpToDate:
			fmt.Fprintf(&b, "- %s: %s already has %s, the newest tag its policy allows\n", where, code(defaultBranch), code(r.Value))
		default:
			fmt.Fprintf(&b, "- %s: %s is %s\n", where, code(r.Value), plan.MarkdownText(string(r.Status)))
		}
	}
	return b.String()
}

// supersededComment says why a bump pull request of no current branch is closed.
func supersededComment(branch, defaultBranch string) string {
	return fmt.Sprintf("Superseded: no automated image of %s is bumped on branch %s any more (the image was removed, or `.gitops.yaml` groups it with others now), so the bot closes this pull request and deletes the branch.\n",
		plan.MarkdownCode(defaultBranch), plan.MarkdownCode(branch))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "an " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
