package apply

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubectl-gitops/kubectl-gitops/internal/parallel"
	"github.com/kubectl-gitops/kubectl-gitops/internal/testhook"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/inventory"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// prune deletes the plan's deletions in reverse stage order: namespaced objects first,
// Namespaces and CRDs last. The plan was made minutes ago (before --wait), so each
// object is read again right before its delete: one marked ignore or sync_only since,
// no longer labelled as a member, or re-created under the same name is skipped, and so
// is a CRD with objects that were not deleted. The delete is preconditioned on the UID
// and resourceVersion just read.
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
		gone := deletedUIDs(p) // the earlier stages are done
		parallel.ForEach(ctx, len(changes), o.Concurrency, func(ctx context.Context, i int) {
			deleteOne(ctx, cl, changes[i], p.ApplySetID, gone)
			o.Progress.Done(changes[i])
		})
	}
}

// deleteOne deletes c's object unless it changed since the plan (see prune). A skipped
// object becomes a skip with the reason.
func deleteOne(ctx context.Context, cl plan.Cluster, c *plan.Change, setID string, gone map[types.UID]bool) {
	gvk := c.Live.GroupVersionKind()
	m, err := cl.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		c.Result, c.Error = plan.Failed, fmt.Sprintf("map kind %s: %v", gvk, err)
		return
	}
	res := plan.ResourceFor(cl.Client, m, c.ID.Namespace)
	for attempt := 1; ; attempt++ {
		cur, err := res.Get(ctx, c.ID.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			c.Result = plan.Deleted
			return
		}
		if err != nil {
			c.Result, c.Error = plan.Failed, fmt.Sprintf("read before delete: %v", err)
			return
		}
		reason := changedSincePlan(c.Live, cur, setID)
		if reason == "" && plan.IsCRD(c.ID) {
			reason = plan.CRDObjectKept(ctx, cl.Client, cur, gone)
		}
		if reason != "" {
			c.Action, c.Reason, c.Diff = plan.Skip, reason, ""
			return
		}
		uid, rv := cur.GetUID(), cur.GetResourceVersion()
		policy := metav1.DeletePropagationBackground
		err = res.Delete(ctx, c.ID.Name, metav1.DeleteOptions{PropagationPolicy: &policy,
			Preconditions: &metav1.Preconditions{UID: &uid, ResourceVersion: &rv}})
		switch {
		case err == nil || apierrors.IsNotFound(err):
			c.Result = plan.Deleted
			return
		case apierrors.IsConflict(err) && attempt < 3:
			continue // written between the read and the delete: check it again
		default:
			c.Result, c.Error = plan.Failed, fmt.Sprintf("delete: %v", err)
			return
		}
	}
}

// changedSincePlan says why cur, the object as it is now, must no longer be deleted
// although planned, the object the plan saw, was to be; "" when nothing stands in the way.
func changedSincePlan(planned, cur *unstructured.Unstructured, setID string) string {
	switch {
	case cur.GetUID() != planned.GetUID():
		return "not garbage-collected: re-created since the plan (another UID)"
	case object.IgnoreModeOf(cur) != object.Managed:
		return "not garbage-collected: marked ignore or sync_only in the cluster since the plan"
	case cur.GetLabels()[inventory.LabelPartOf] != setID:
		return fmt.Sprintf("not garbage-collected: no longer carries the set's label (%s) since the plan", inventory.LabelPartOf)
	}
	return ""
}

// deletedUIDs are the UIDs of the objects pruned so far.
func deletedUIDs(p *plan.Plan) map[types.UID]bool {
	out := map[types.UID]bool{}
	for _, c := range p.Changes {
		if c.Result == plan.Deleted {
			out[c.Live.GetUID()] = true
		}
	}
	return out
}
