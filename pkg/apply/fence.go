package apply

import (
	"context"
	"fmt"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// fenceBatch confirms the set's lock before a batch of deletions. When it cannot be
// confirmed, no deletion not yet done is attempted: each says why.
func fenceBatch(ctx context.Context, o Options, p *plan.Plan, batch []*plan.Change) error {
	if len(batch) == 0 || o.fence == nil {
		return nil
	}
	err := o.fence(ctx)
	if err != nil {
		for i := range p.Changes {
			if c := &p.Changes[i]; c.Action == plan.Delete && c.Result == plan.NotRun {
				c.Error = fmt.Sprintf("not pruned: %v", err)
			}
		}
	}
	return err
}
