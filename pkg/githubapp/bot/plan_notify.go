package bot

import (
	"context"
	"log/slog"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/notify"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plancomment"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/repoconfig"
)

// notify sends each target's plan to the destinations the repository names.
func (p *Planner) notify(ctx context.Context, cfg *repoconfig.Config, comment *plancomment.Comment, plans map[string]*plan.Plan, failed bool, pr *github.PullRequest, log *slog.Logger) {
	var sinks []notify.Sink
	for _, n := range cfg.Notify {
		s, ok := p.Notify[n.Name]
		if !ok {
			log.Warn("the repository names a notification the bot does not have", "name", n.Name)
			continue
		}
		if n.On == "always" || failed {
			sinks = append(sinks, s)
		}
	}
	for _, sec := range comment.Sections {
		pl := plans[sec.Name]
		if pl == nil {
			pl = &plan.Plan{Problems: []plan.Problem{{Message: sec.Error}}}
		}
		r := notify.ReportOf("plan", pl, sec.Name, pr.GetHTMLURL())
		if err := notify.SendAll(ctx, sinks, r, notify.DefaultTimeout); err != nil {
			log.Warn("notification failed", "target", sec.Name, "error", err)
		}
	}
}
