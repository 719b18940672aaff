package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// ours runs the kubectl-gitops binary with its defaults (no client-side rate limit; --concurrency 16) unless
// extra arguments say otherwise.
type ours struct {
	bin  string
	args []string // --kubeconfig, --cache-dir, --concurrency, extra
	p    *proc
	set  string
}

// summary is the "summary" object of the plan JSON (docs/plan-json.md): pkg/plan's
// Counts.
type summary plan.Counts

func (s summary) String() string {
	return fmt.Sprintf("%d create, %d update, %d delete, %d unchanged, %d failed, %d problems",
		s.Create, s.Update, s.Delete, s.Unchanged, s.Failed, s.Problems)
}

func (o *ours) run(ctx context.Context, verb, root string, codes []int, extra ...string) (measure, summary, error) {
	args := append([]string{verb, root, "--applyset", o.set, "-o", "json"}, extra...)
	if verb == "apply" {
		args = append(args, "--progress", "none")
	}
	r, err := o.p.run(ctx, nil, o.bin, append(args, o.args...)...)
	if err != nil {
		return measure{}, summary{}, err
	}
	if err := r.expect("kubectl-gitops "+verb, codes...); err != nil {
		return r.measure, summary{}, err
	}
	var out struct {
		Summary summary `json:"summary"`
	}
	if err := json.Unmarshal(r.stdout, &out); err != nil {
		return r.measure, summary{}, fmt.Errorf("kubectl-gitops %s: read JSON output: %w", verb, err)
	}
	return r.measure, out.Summary, nil
}

// apply runs kubectl-gitops apply; it must apply everything (exit 0).
func (o *ours) apply(ctx context.Context, root string, extra ...string) (measure, summary, error) {
	return o.run(ctx, "apply", root, []int{0}, extra...)
}

// plan runs kubectl-gitops plan (exit 0: no changes, 1: changes).
func (o *ours) plan(ctx context.Context, root string, extra ...string) (measure, summary, error) {
	return o.run(ctx, "plan", root, []int{0, 1}, extra...)
}
