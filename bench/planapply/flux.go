package main

import (
	"context"
	"fmt"

	"github.com/fluxcd/cli-utils/pkg/kstatus/polling"
	"github.com/fluxcd/pkg/ssa"
	"golang.org/x/sync/errgroup"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
)

// flux is Flux v2's apply engine (github.com/fluxcd/pkg/ssa, the one inside
// kustomize-controller) driven the way kustomize-controller drives it: owner labels
// on every object, ApplyAllStaged (Namespaces first, waited for with a kstatus poller),
// then DeleteAll of the objects gone from the set, with the owner labels as inclusions.
type flux struct {
	m           *ssa.ResourceManager
	concurrency int
}

// The Kustomization the benchmark's objects belong to (kustomize-controller labels
// what it applies with its name and namespace, and prunes only what carries them).
const (
	fluxOwnerName      = "bench"
	fluxOwnerNamespace = "flux-system"
)

func newFlux(cfg *rest.Config, concurrency int) (*flux, error) {
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	mapper, err := apiutil.NewDynamicRESTMapper(cfg, hc)
	if err != nil {
		return nil, err
	}
	c, err := client.New(cfg, client.Options{HTTPClient: hc, Mapper: mapper})
	if err != nil {
		return nil, err
	}
	m := ssa.NewResourceManager(c, polling.NewStatusPoller(c, mapper, polling.Options{}),
		ssa.Owner{Field: "kustomize-controller", Group: "kustomize.toolkit.fluxcd.io"})
	m.SetConcurrency(concurrency)
	// Resolve the mappings before anything is timed (kustomize-controller runs warm).
	for _, o := range generate("warm", 1+len(kindCycle), 1).objs {
		gvk := o.u.GroupVersionKind()
		if _, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
			return nil, fmt.Errorf("map %s: %w", gvk, err)
		}
	}
	return &flux{m: m, concurrency: concurrency}, nil
}

// apply applies objs with ApplyAllStaged and prunes stale with DeleteAll.
func (f *flux) apply(ctx context.Context, objs, stale []*unstructured.Unstructured) (map[string]int, error) {
	f.m.SetOwnerLabels(objs, fluxOwnerName, fluxOwnerNamespace)
	cs, err := f.m.ApplyAllStaged(ctx, objs, ssa.DefaultApplyOptions())
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for _, e := range cs.Entries {
		counts[string(e.Action)]++
	}
	if len(stale) == 0 {
		return counts, nil
	}
	opts := ssa.DefaultDeleteOptions()
	opts.Inclusions = f.m.GetOwnerLabels(fluxOwnerName, fluxOwnerNamespace)
	ds, err := f.m.DeleteAll(ctx, stale, opts)
	if err != nil {
		return nil, err
	}
	for _, e := range ds.Entries {
		counts[string(e.Action)]++
	}
	return counts, nil
}

// plan runs Diff on every object, f.concurrency at a time (`flux diff kustomization`
// calls it one object after the other; this gives Flux the concurrency kubectl-gitops
// has). The diff text is not rendered.
func (f *flux) plan(ctx context.Context, objs, _ []*unstructured.Unstructured) (map[string]int, error) {
	f.m.SetOwnerLabels(objs, fluxOwnerName, fluxOwnerNamespace)
	actions := make([]ssa.Action, len(objs))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(f.concurrency)
	for i, o := range objs {
		g.Go(func() error {
			e, _, _, err := f.m.Diff(ctx, o, ssa.DefaultDiffOptions())
			if err != nil {
				return err
			}
			actions[i] = e.Action
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for _, a := range actions {
		counts[string(a)]++
	}
	return counts, nil
}
