package engine

import (
	"fmt"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/inventory"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// Connection is a Target's cluster: the clients a plan (and an apply) needs, and the
// store of the Target's ApplySet.
type Connection struct {
	Cluster plan.Cluster
	Store   *inventory.Store

	flags *genericclioptions.ConfigFlags
	host  string
}

// Connect connects to the cluster named by the kube flags f (NewConfigFlags,
// ContextFlags), with t's QPS and Burst. An empty ApplySetNamespace or
// DefaultNamespace of t becomes the kubeconfig's namespace ("default" when it names
// none). Nothing is sent to the cluster: Reachable checks that it answers.
func Connect(f *genericclioptions.ConfigFlags, t *Target) (*Connection, error) {
	cfg, err := f.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	cfg.QPS, cfg.Burst = t.QPS, t.Burst
	cfg.UserAgent = "kubectl-gitops"
	c := &Connection{flags: f, host: cfg.Host}
	namespace, _, err := f.ToRawKubeConfigLoader().Namespace()
	if err != nil || namespace == "" {
		namespace = "default"
	}
	if t.ApplySetNamespace == "" {
		t.ApplySetNamespace = namespace
	}
	if t.DefaultNamespace == "" {
		t.DefaultNamespace = namespace
	}
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	client, err := dynamic.NewForConfigAndClient(cfg, hc)
	if err != nil {
		return nil, err
	}
	rc, err := plan.NewREST(cfg, hc)
	if err != nil {
		return nil, err
	}
	disco, err := f.ToDiscoveryClient()
	if err != nil {
		return nil, err
	}
	c.Cluster = plan.Cluster{Client: client, REST: rc, Mapper: plan.CachedMapper(restmapper.NewDeferredDiscoveryRESTMapper(disco))}
	parent, err := inventory.ParseParent(t.ApplySet, t.ApplySetNamespace)
	if err != nil {
		return nil, err
	}
	c.Store = inventory.New(client, parent, inventory.WithFieldManager(t.FieldManager))
	return c, nil
}
