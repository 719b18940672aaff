package apply

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-gitops/kubectl-gitops/internal/parallel"
	"github.com/kubectl-gitops/kubectl-gitops/internal/testhook"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// prune deletes the plan's deletions in reverse stage order: namespaced objects first,
// Namespaces and CRDs last. Each delete is preconditioned on the UID the plan saw, so an
// object recreated since is never deleted by mistake.
func prune(ctx context.Context, cl plan.Cluster, p *plan.Plan, o Options) {
	stages := map[Stage][]*plan.Change{}
	total := 0
	for i := range p.Changes {
		if c := &p.Changes[i]; c.Action == plan.Delete {
			stages[StageOf(c)] = append(stages[StageOf(c)], c)
			total++
		}
	}
	if total == 0 {
		return
	}
	o.Progress.Stage("prune", total)
	testhook.At(ctx, testhook.BeforePrune)
	for _, s := range []Stage{StageWebhooks, StageNamespaced, StageCluster, StageDefinitions} {
		changes := stages[s]
		if err := fenceBatch(ctx, o, p, changes); err != nil {
			return
		}
		parallel.ForEach(ctx, len(changes), o.Concurrency, func(ctx context.Context, i int) {
			deleteOne(ctx, cl, changes[i])
			o.Progress.Done(changes[i])
		})
	}
}

func deleteOne(ctx context.Context, cl plan.Cluster, c *plan.Change) {
	gvk := c.Live.GroupVersionKind()
	m, err := cl.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		c.Result, c.Error = plan.Failed, fmt.Sprintf("map kind %s: %v", gvk, err)
		return
	}
	uid := c.Live.GetUID()
	policy := metav1.DeletePropagationBackground
	opts := metav1.DeleteOptions{PropagationPolicy: &policy, Preconditions: &metav1.Preconditions{UID: &uid}}
	err = plan.ResourceFor(cl.Client, m, c.ID.Namespace).Delete(ctx, c.ID.Name, opts)
	if err != nil && !apierrors.IsNotFound(err) {
		c.Result, c.Error = plan.Failed, fmt.Sprintf("delete: %v", err)
		return
	}
	c.Result = plan.Deleted
}
