package cmdutil

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/engine"
)

// TargetOptions are the flags that say which cluster, which ApplySet, and how objects
// are prepared; with PlanOptions they make an engine.Target (Engine).
type TargetOptions struct {
	ApplySet          string
	ApplySetNamespace string
	DefaultNamespace  string
	AllowNamespaces   []string
	FieldManager      string
	Concurrency       int
	QPS               float32
	Burst             int

	// Conn is the cluster, once Complete has connected to it.
	Conn *engine.Connection
}

// AddFlags registers the target flags, with engine.DefaultTarget's defaults.
func (o *TargetOptions) AddFlags(fs *pflag.FlagSet) {
	d := engine.DefaultTarget()
	fs.StringVar(&o.ApplySet, "applyset", d.ApplySet, "the ApplySet (inventory) parent: [secret/|configmap/]NAME; one per repository path")
	fs.StringVar(&o.ApplySetNamespace, "applyset-namespace", d.ApplySetNamespace, "namespace of the ApplySet parent (default: the kubeconfig namespace)")
	fs.StringVar(&o.DefaultNamespace, "default-namespace", d.DefaultNamespace, "namespace for namespaced objects without one (default: the kubeconfig namespace)")
	fs.StringArrayVar(&o.AllowNamespaces, "allow-namespace", d.AllowNamespaces, "refuse objects outside these namespaces (names or globs such as shop-*) before anything is written (repeatable)")
	fs.StringVar(&o.FieldManager, "field-manager", d.FieldManager, "server-side apply field manager")
	fs.IntVar(&o.Concurrency, "concurrency", d.Concurrency, "parallel API requests")
	fs.Float32Var(&o.QPS, "qps", d.QPS, "client-side requests per second to the API server (negative: unlimited; --concurrency bounds requests in flight, and the API server's priority and fairness protects it)")
	fs.IntVar(&o.Burst, "burst", d.Burst, "client-side request burst, with --qps")
}

// Complete connects to the cluster named by the kube flags (engine.Connect), and fills
// in the namespaces the flags leave to the kubeconfig.
func (o *TargetOptions) Complete(f *genericclioptions.ConfigFlags) error {
	t := o.Engine(PlanOptions{})
	c, err := engine.Connect(f, &t)
	if err != nil {
		return err
	}
	o.ApplySetNamespace, o.DefaultNamespace = t.ApplySetNamespace, t.DefaultNamespace
	o.Conn = c
	return nil
}

// Validate checks the flags.
func (o *TargetOptions) Validate() error {
	if o.Concurrency < 1 {
		return fmt.Errorf("--concurrency must be at least 1")
	}
	return nil
}

// Reachable checks that the cluster Complete connected to answers
// (engine.Connection.Reachable).
func (o *TargetOptions) Reachable(ctx context.Context) error {
	return o.Conn.Reachable(ctx)
}

// Engine is the target the flags say, shaped by the plan flags po.
func (o *TargetOptions) Engine(po PlanOptions) engine.Target {
	return engine.Target{
		ApplySet:          o.ApplySet,
		ApplySetNamespace: o.ApplySetNamespace,
		DefaultNamespace:  o.DefaultNamespace,
		AllowNamespaces:   o.AllowNamespaces,
		FieldManager:      o.FieldManager,
		Concurrency:       o.Concurrency,
		QPS:               o.QPS,
		Burst:             o.Burst,
		Prune:             po.Prune,
		AllowEmpty:        po.AllowEmpty,
		MaxDeletes:        po.MaxDeletes,
		ForceConflicts:    po.ForceConflicts,
		FullDryRun:        po.FullDryRun,
	}
}

// PlanOptions are the plan-shaping flags shared by plan and apply.
type PlanOptions struct {
	Prune          bool
	AllowEmpty     bool
	MaxDeletes     int
	ForceConflicts bool
	FullDryRun     bool
}

// AddFlags registers the plan flags, with engine.DefaultTarget's defaults.
func (o *PlanOptions) AddFlags(fs *pflag.FlagSet) {
	d := engine.DefaultTarget()
	fs.BoolVar(&o.Prune, "prune", d.Prune, "delete members of the ApplySet that are no longer in git")
	fs.BoolVar(&o.AllowEmpty, "allow-empty", d.AllowEmpty, "allow pruning when the rendered set is empty")
	fs.IntVar(&o.MaxDeletes, "max-deletes", d.MaxDeletes, "refuse to prune more objects than this (-1: no limit)")
	fs.BoolVar(&o.ForceConflicts, "force-conflicts", d.ForceConflicts, "take over fields other field managers own")
	fs.BoolVar(&o.FullDryRun, "full-dry-run", d.FullDryRun, "dry-run every object, even those unchanged since this tool applied them")
}
