package apply

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/cmd/cmdutil"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/engine"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

var namespaceGVR = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}

// createParentNamespace creates the namespace of the ApplySet parent when it does not
// exist yet and the set declares it: the lock and the inventory live in it, so it must
// exist before them. It is created as planned (a member like any other, labelled and
// server-side applied), and only when the whole plan is clean: a plan with problems is
// printed and nothing is written. The apply then plans again, under the lock.
func (o *Options) createParentNamespace(ctx context.Context, src *cmdutil.Source) error {
	parent := o.Target.Conn.Store.Parent()
	_, err := o.Target.Conn.Cluster.Client.Resource(namespaceGVR).Get(ctx, parent.Namespace, metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		return nil // it exists, or taking the lock reports why it cannot be read
	}
	p, _, err := engine.PlanLive(ctx, o.Target.Conn, o.Target.Engine(o.Plan), src, o.Log)
	if err != nil {
		return cmdutil.Exit(cmdutil.ExitFailure, err)
	}
	if len(p.Problems) > 0 {
		if err := o.Status.Complete(strings.TrimSuffix(src.Revision, dirtySuffix), o.Log); err != nil {
			return cmdutil.Exit(cmdutil.ExitFailure, err)
		}
		o.Status.Report(context.WithoutCancel(ctx), p, nil, o.Log)
		if err := o.Output.Print(o.Out, p, "kubectl gitops apply"); err != nil {
			return cmdutil.Exit(cmdutil.ExitFailure, err)
		}
		return cmdutil.Exit(cmdutil.ExitFailure, fmt.Errorf("%d problems; nothing was applied", len(p.Problems)))
	}
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.ID.Group != "" || c.ID.Kind != "Namespace" || c.ID.Name != parent.Namespace || c.Action != plan.Create {
			continue
		}
		m, err := o.Target.Conn.Cluster.Mapper.RESTMapping(c.ID.GroupKind(), "v1")
		if err == nil {
			err = plan.ServerSideApplyJSON(ctx, o.Target.Conn.Cluster, m, c.ID.Namespace, c.ID.Name, c.DesiredJSON, o.Target.FieldManager, o.Plan.ForceConflicts, false)
		}
		if err != nil {
			return cmdutil.Exit(cmdutil.ExitFailure, fmt.Errorf("create namespace %s of the ApplySet parent %s: %w", parent.Namespace, parent, err))
		}
		o.Log.Info("created the namespace of the ApplySet parent", "namespace", parent.Namespace)
		return nil
	}
	return cmdutil.Exit(cmdutil.ExitFailure, fmt.Errorf(
		"the namespace %s of the ApplySet parent %s does not exist: create it, or declare it in git with the set", parent.Namespace, parent))
}
