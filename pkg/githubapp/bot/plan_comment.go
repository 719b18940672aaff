package bot

import (
	"fmt"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// planComment is the plan comment for head, before its sections.
func (p *Planner) planComment(head string) *githubapp.PlanComment {
	return &githubapp.PlanComment{Title: githubapp.PlanTitle(head), Footer: "\n_Comment `/gitops plan` to plan again._\n"}
}

// targetSection is target t's part of the plan comment: its plan pl, or the error
// that stopped it.
func targetSection(t githubapp.Target, pl *plan.Plan, err error, live bool, offlineReason string, link func(manifest.Source) string) githubapp.PlanSection {
	sec := githubapp.PlanSection{Name: t.Name}
	if err != nil {
		sec.Error = err.Error()
		return sec
	}
	mode := "offline: the base branch's render against this pull request's"
	if !live && offlineReason != "" {
		mode = "offline: " + offlineReason + "; the base branch's render against this pull request's"
	}
	if live {
		mode = "live: dry-run against cluster " + t.Cluster
	}
	sec.Blocks = pl.MarkdownBlocks(plan.MarkdownOptions{Title: fmt.Sprintf("%s (%s)", t.Name, mode), SourceURL: link})
	return sec
}
