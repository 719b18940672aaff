package cmdutil

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/spf13/pflag"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/inventory"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// TargetOptions say which cluster, which ApplySet, and how objects are prepared.
type TargetOptions struct {
	ApplySet          string
	ApplySetNamespace string
	DefaultNamespace  string
	AllowNamespaces   []string
	// NamespacedOnly refuses cluster-scoped objects (plan.Options.NamespacedOnly); the
	// bot sets it for a grant of some namespaces only.
	NamespacedOnly bool
	FieldManager   string
	Concurrency    int
	QPS            float32
	Burst          int

	Cluster   plan.Cluster
	Store     *inventory.Store
	namespace string // from the kubeconfig / -n
	host      string
}

// AddFlags registers the target flags.
func (o *TargetOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.ApplySet, "applyset", "gitops", "the ApplySet (inventory) parent: [secret/|configmap/]NAME; one per repository path")
	fs.StringVar(&o.ApplySetNamespace, "applyset-namespace", "", "namespace of the ApplySet parent (default: the kubeconfig namespace)")
	fs.StringVar(&o.DefaultNamespace, "default-namespace", "", "namespace for namespaced objects without one (default: the kubeconfig namespace)")
	fs.StringArrayVar(&o.AllowNamespaces, "allow-namespace", nil, "refuse objects outside these namespaces (names or globs such as shop-*) before anything is written (repeatable)")
	fs.StringVar(&o.FieldManager, "field-manager", plan.DefaultFieldManager, "server-side apply field manager")
	fs.IntVar(&o.Concurrency, "concurrency", 16, "parallel API requests")
	fs.Float32Var(&o.QPS, "qps", -1, "client-side requests per second to the API server (negative: unlimited; --concurrency bounds requests in flight, and the API server's priority and fairness protects it)")
	fs.IntVar(&o.Burst, "burst", 200, "client-side request burst, with --qps")
}

// Complete connects to the cluster named by the kube flags.
func (o *TargetOptions) Complete(f *genericclioptions.ConfigFlags) error {
	cfg, err := f.ToRESTConfig()
	if err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	cfg.QPS, cfg.Burst = o.QPS, o.Burst
	cfg.UserAgent = "kubectl-gitops"
	o.host = cfg.Host
	o.namespace, _, err = f.ToRawKubeConfigLoader().Namespace()
	if err != nil || o.namespace == "" {
		o.namespace = "default"
	}
	if o.ApplySetNamespace == "" {
		o.ApplySetNamespace = o.namespace
	}
	if o.DefaultNamespace == "" {
		o.DefaultNamespace = o.namespace
	}
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return err
	}
	client, err := dynamic.NewForConfigAndClient(cfg, hc)
	if err != nil {
		return err
	}
	rc, err := plan.NewREST(cfg, hc)
	if err != nil {
		return err
	}
	disco, err := f.ToDiscoveryClient()
	if err != nil {
		return err
	}
	o.Cluster = plan.Cluster{Client: client, REST: rc, Mapper: plan.CachedMapper(restmapper.NewDeferredDiscoveryRESTMapper(disco))}
	parent, err := inventory.ParseParent(o.ApplySet, o.ApplySetNamespace)
	if err != nil {
		return err
	}
	o.Store = inventory.New(client, parent, inventory.WithFieldManager(o.FieldManager))
	return nil
}

// Validate checks the flags.
func (o *TargetOptions) Validate() error {
	if o.Concurrency < 1 {
		return fmt.Errorf("--concurrency must be at least 1")
	}
	return nil
}

// Reachable checks that the API server answers, so that an unreachable or unauthorized
// cluster is one clear error instead of one per object.
func (o *TargetOptions) Reachable(ctx context.Context, f *genericclioptions.ConfigFlags) error {
	disco, err := f.ToDiscoveryClient()
	if err != nil {
		return err
	}
	if _, err := disco.ServerVersion(); err != nil {
		if apierrors.IsUnauthorized(err) {
			// The server answered: say so, rather than "cannot reach".
			return fmt.Errorf("the cluster at %s refused the credentials (401 Unauthorized: %w); check the kubeconfig's user", o.host, err)
		}
		return fmt.Errorf("cannot reach the cluster at %s: %w", o.host, err)
	}
	if _, err := o.Store.Get(ctx); err != nil {
		return err
	}
	return nil
}

// PlanOptions are the plan-shaping flags shared by plan and apply.
type PlanOptions struct {
	Prune          bool
	AllowEmpty     bool
	MaxDeletes     int
	ForceConflicts bool
	FullDryRun     bool
}

// AddFlags registers the plan flags.
func (o *PlanOptions) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.Prune, "prune", true, "delete members of the ApplySet that are no longer in git")
	fs.BoolVar(&o.AllowEmpty, "allow-empty", false, "allow pruning when the rendered set is empty")
	fs.IntVar(&o.MaxDeletes, "max-deletes", -1, "refuse to prune more objects than this (-1: no limit)")
	fs.BoolVar(&o.ForceConflicts, "force-conflicts", false, "take over fields other field managers own")
	fs.BoolVar(&o.FullDryRun, "full-dry-run", false, "dry-run every object, even those unchanged since this tool applied them")
}

// Build reads the source and builds the plan. Manifest errors become problems of the
// plan (with file and line), so the report shows all of them and nothing is applied.
func Build(ctx context.Context, s *Source, t *TargetOptions, po PlanOptions, log *slog.Logger) (*plan.Plan, *inventory.Inventory, error) {
	objs, loadErr := s.Load(ctx, log)
	inv, err := t.Store.Get(ctx)
	if err != nil {
		return nil, nil, err
	}
	p, err := plan.Build(ctx, t.Cluster, t.Store, inv, objs, plan.Options{
		FieldManager:     t.FieldManager,
		DefaultNamespace: t.DefaultNamespace,
		AllowNamespaces:  t.AllowNamespaces,
		NamespacedOnly:   t.NamespacedOnly,
		// A file that did not load would look deleted: no prune until every file loads.
		Prune:          po.Prune && loadErr == nil,
		AllowEmpty:     po.AllowEmpty,
		MaxDeletes:     po.MaxDeletes,
		ForceConflicts: po.ForceConflicts,
		FullDryRun:     po.FullDryRun,
		Concurrency:    t.Concurrency,
		Revision:       s.Revision,
		Source:         s.Describe(),
		Logger:         log,
	})
	if err != nil {
		return nil, nil, err
	}
	if loadErr != nil {
		p.Problems = append(ManifestProblems(loadErr), p.Problems...)
	}
	p.Redact(s.Redactor())
	return p, inv, nil
}

// ManifestProblems turns the errors of manifest.Load into plan problems. Load has
// redacted them already: a Kustomize error may quote a Secret or a generator input.
func ManifestProblems(err error) []plan.Problem {
	var out []plan.Problem
	for _, e := range flatten(err) {
		if me, ok := e.(*manifest.Error); ok {
			msg := me.Err.Error()
			if me.Object != "" {
				msg = me.Object + ": " + msg
			}
			out = append(out, plan.Problem{Source: me.Source, Message: msg})
			continue
		}
		out = append(out, plan.Problem{Message: e.Error()})
	}
	return out
}

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}
