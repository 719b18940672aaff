package bot

import (
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot/statuspage"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plancomment"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/repoconfig"
)

// recordPlan shows target t's plan of pull request pr on the status page.
func (p *Planner) recordPlan(j prJob, pr *github.PullRequest, t repoconfig.Target, pl *plan.Plan, err error) {
	if p.Board == nil {
		return
	}
	run := statuspage.Run{SHA: pr.GetHead().GetSHA(), Time: time.Now(), URL: pr.GetHTMLURL(), Failed: err != nil}
	if err == nil {
		run.Summary = plancomment.PlainSummary(pl.SummaryMarkdown())
		run.Failed = len(pl.Problems) > 0
	} else {
		run.Summary = "could not be planned"
	}
	full := j.owner + "/" + j.repo
	p.Board.SetTarget(j.inst, full, t.Name, t.Cluster, t.Path)
	p.Board.RecordPlan(j.inst, full, t.Name, run)
}
