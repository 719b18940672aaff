package plan

import (
	"context"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/cmd/cmdutil"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/engine"
)

// runOffline plans SOURCE, opened as head, against the render of --base, without a
// cluster.
func (o *Options) runOffline(ctx context.Context, head *cmdutil.Source) error {
	o.Status.Pending(ctx, "planning offline against "+o.Base, o.Log)
	base := o.Source.Options
	base.Ref = o.Base
	p, err := engine.PlanOffline(ctx, o.Target.Engine(o.Plan), head, base, o.Log)
	return o.finish(ctx, p, err, "kubectl gitops plan (offline: against "+o.Base+")")
}
