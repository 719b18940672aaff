package engine

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
)

// PlanOffline renders the base (bo: typically the head's options at another ref)
// and plans head against it without a cluster (plan.BuildOffline), with t's
// namespaces and Prune. Manifest errors of the head become problems; the base must
// render (it is what the cluster is assumed to run).
func PlanOffline(ctx context.Context, t Target, head *source.Source, bo source.Options, log *slog.Logger) (*plan.Plan, error) {
	name := bo.Ref
	if name == "" {
		name = bo.Source
	}
	base, err := bo.Open(ctx, log)
	if err != nil {
		return nil, fmt.Errorf("base %s: %w", name, err)
	}
	defer base.Close()
	baseObjs, err := base.Load(ctx, log)
	if err != nil {
		return nil, fmt.Errorf("base %s does not render: %w", name, err)
	}
	headObjs, loadErr := head.Load(ctx, log)
	p := plan.BuildOffline(baseObjs, headObjs, plan.OfflineOptions{
		DefaultNamespace: t.DefaultNamespace,
		AllowNamespaces:  t.AllowNamespaces,
		Prune:            t.Prune && loadErr == nil,
		Revision:         head.Revision,
		BaseRevision:     base.Revision,
		Source:           head.Describe(),
	})
	p.Repository, p.Paths, p.BaseRevision = head.Remote(), head.Paths, base.Revision
	if loadErr != nil {
		p.Problems = append(ManifestProblems(loadErr), p.Problems...)
	}
	p.Redact(head.Redactor())
	return p, nil
}
