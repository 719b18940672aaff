package apply

import (
	"context"
	"fmt"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/status"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubectl-gitops/kubectl-gitops/internal/parallel"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

const pollInterval = time.Second

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// waitEstablished waits until the applied CRDs among changes are Established, so that
// their custom resources can be applied in the next stages.
func waitEstablished(ctx context.Context, cl plan.Cluster, changes []*plan.Change, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for _, c := range changes {
		if c.Result != plan.Applied || c.ID.Kind != "CustomResourceDefinition" {
			continue
		}
		for {
			u, err := cl.Client.Resource(crdGVR).Get(ctx, c.ID.Name, metav1.GetOptions{})
			if err == nil && conditionTrue(u, "Established") {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("CRD %s not established after %s: %w", c.ID.Name, timeout, ctx.Err())
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	return nil
}

func conditionTrue(u *unstructured.Unstructured, typ string) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == typ && m["status"] == "True" {
			return true
		}
	}
	return false
}

// waitHealthy polls every applied object until kstatus computes Current, or marks it
// failed when it reports Failed or the timeout passes.
func waitHealthy(ctx context.Context, cl plan.Cluster, p *plan.Plan, o Options) {
	var applied []*plan.Change
	for i := range p.Changes {
		if c := &p.Changes[i]; c.Result == plan.Applied {
			applied = append(applied, c)
		}
	}
	if len(applied) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, o.WaitTimeout)
	defer cancel()
	o.Progress.Stage("wait", len(applied))
	parallel.ForEach(ctx, len(applied), o.Concurrency, func(ctx context.Context, i int) {
		c := applied[i]
		defer o.Progress.Done(c)
		gvk := c.GroupVersionKind()
		m, err := cl.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			c.Result, c.Error = plan.Failed, fmt.Sprintf("wait: %v", err)
			return
		}
		res := plan.ResourceFor(cl.Client, m, c.ID.Namespace)
		last := "not observed"
		for {
			u, err := res.Get(ctx, c.ID.Name, metav1.GetOptions{})
			switch {
			case err == nil:
				r, cerr := status.Compute(u)
				if cerr != nil {
					c.Result, c.Error = plan.Failed, fmt.Sprintf("wait: compute status: %v", cerr)
					return
				}
				switch r.Status {
				case status.CurrentStatus:
					return
				case status.FailedStatus:
					c.Result, c.Error = plan.Failed, fmt.Sprintf("unhealthy: %s", r.Message)
					return
				}
				last = fmt.Sprintf("%s: %s", r.Status, r.Message)
			case apierrors.IsNotFound(err):
				last = "not found"
			case ctx.Err() == nil:
				last = err.Error()
			}
			select {
			case <-ctx.Done():
				c.Result, c.Error = plan.Failed, fmt.Sprintf("not ready after %s (%s)", o.WaitTimeout, last)
				return
			case <-time.After(pollInterval):
			}
		}
	})
}
