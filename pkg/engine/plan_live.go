package engine

import (
	"context"
	"log/slog"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/inventory"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
)

// PlanLive reads the source and plans t against the cluster of c (which Connect made
// for t), returning the plan and the ApplySet's inventory it was built on. Manifest
// errors become problems of the plan (with file and line), so the report shows all of
// them and nothing is applied.
func PlanLive(ctx context.Context, c *Connection, t Target, s *source.Source, log *slog.Logger) (*plan.Plan, *inventory.Inventory, error) {
	objs, loadErr := s.Load(ctx, log)
	inv, err := c.Store.Get(ctx)
	if err != nil {
		return nil, nil, err
	}
	p, err := plan.Build(ctx, c.Cluster, c.Store, inv, objs, plan.Options{
		FieldManager:     t.FieldManager,
		DefaultNamespace: t.DefaultNamespace,
		AllowNamespaces:  t.AllowNamespaces,
		NamespacedOnly:   t.NamespacedOnly,
		// A file that did not load would look deleted: no prune until every file loads.
		Prune:          t.Prune && loadErr == nil,
		AllowEmpty:     t.AllowEmpty,
		MaxDeletes:     t.MaxDeletes,
		ForceConflicts: t.ForceConflicts,
		FullDryRun:     t.FullDryRun,
		Concurrency:    t.Concurrency,
		Revision:       s.Revision,
		Source:         s.Describe(),
		Logger:         log,
	})
	if err != nil {
		return nil, nil, err
	}
	p.Repository, p.Paths = s.Remote(), s.Paths
	if loadErr != nil {
		p.Problems = append(ManifestProblems(loadErr), p.Problems...)
	}
	p.Redact(s.Redactor())
	return p, inv, nil
}
