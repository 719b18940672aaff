package cmdutil

import (
	"fmt"
	"io"
	"strings"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plancomment"
)

// MaxStepAnnotations is how many annotations of one level (error, warning, notice)
// GitHub Actions shows for one step; it drops the others.
const MaxStepAnnotations = 10

// workflowLevels are the workflow commands of the note levels.
var workflowLevels = map[string]string{
	plancomment.NoteFailure: "error",
	plancomment.NoteWarning: "warning",
	plancomment.NoteNotice:  "notice",
}

// WriteAnnotations writes GitHub Actions workflow commands to w that annotate each
// problem (error) and each object that changes (notice) of plan p, named name, at its
// file:line: the pull request's Files tab shows them. Paths are relative to the
// repository's top, as the plan's sources are. At most MaxStepAnnotations of a level
// are written; when there are more, the last one of that level says how many were
// left out and where the whole plan is.
//
// Every value comes from the repository: it is escaped so that nothing in a file name
// or a message can end the command or start another.
func WriteAnnotations(w io.Writer, name string, p *plan.Plan) error {
	notes := plancomment.NewCheck(name, p, nil, plan.MarkdownOptions{}).Notes
	byLevel := map[string][]plancomment.Note{}
	var order []string
	for _, n := range notes {
		if byLevel[n.Level] == nil {
			order = append(order, n.Level)
		}
		byLevel[n.Level] = append(byLevel[n.Level], n)
	}
	var b strings.Builder
	for _, level := range order {
		cmd, ns := workflowLevels[level], byLevel[level]
		if cmd == "" {
			continue
		}
		if len(ns) > MaxStepAnnotations {
			left := len(ns) - (MaxStepAnnotations - 1)
			ns = append(ns[:MaxStepAnnotations-1:MaxStepAnnotations-1], plancomment.Note{Level: level, Title: name,
				Message: fmt.Sprintf("%d more are not annotated here (GitHub shows %d per step): the plan lists them all", left, MaxStepAnnotations)})
		}
		for _, n := range ns {
			b.WriteString("::" + cmd + " ")
			var props []string
			if n.File != "" {
				props = append(props, "file="+escapeProperty(n.File), fmt.Sprintf("line=%d", n.Line))
			}
			props = append(props, "title="+escapeProperty(n.Title))
			b.WriteString(strings.Join(props, ","))
			b.WriteString("::" + escapeData(n.Message) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// escapeData escapes a workflow command's message (GitHub's toolkit escapeData).
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value (the toolkit's
// escapeProperty): also ':' and ',', which end a property.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
