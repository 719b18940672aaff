package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

// raw is the physical limit: a parallel server-side-apply loop in this process, with
// no client-side rate limit, no reads, no diffing and no bookkeeping.
type raw struct {
	client      dynamic.Interface
	mapper      meta.RESTMapper
	concurrency int
}

func newRaw(cfg *rest.Config, concurrency int) (*raw, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = -1, 0 // unlimited: this is the limit the server and network allow
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	disco, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disco))
	return &raw{client: client, mapper: mapper, concurrency: concurrency}, nil
}

// warmAll resolves the mappings of every kind the benchmark generates.
func (r *raw) warmAll() error {
	var objs []*unstructured.Unstructured
	for _, o := range generate("warm", 1+len(kindCycle), 1).objs {
		objs = append(objs, o.u)
	}
	return r.warm(objs)
}

// run is a raw peer's operation (see peerMain): the raw loop applies objs (Namespaces
// first) then deletes stale, or dry-runs objs (opPlan); the floor validates everything
// before it writes: a dry-run of the Namespaces, their apply, a dry-run of the rest
// (their namespaces exist now), then its apply.
func (r *raw) run(ctx context.Context, tool, op string, objs, stale []*unstructured.Unstructured) (map[string]int, error) {
	const manager = "bench-raw"
	nss, rest := splitNamespaces(objs)
	switch {
	case tool == toolRaw && op == opPlan:
		return map[string]int{"dry-run": len(objs)}, r.applyAll(ctx, manager, objs, true)
	case tool == toolRaw && op == opApply:
		for _, group := range [][]*unstructured.Unstructured{nss, rest} {
			if err := r.applyAll(ctx, manager, group, false); err != nil {
				return nil, err
			}
		}
		return map[string]int{"applied": len(objs), "deleted": len(stale)}, r.deleteAll(ctx, stale)
	case tool == toolFloor && op == opApply:
		for _, group := range [][]*unstructured.Unstructured{nss, rest} {
			for _, dryRun := range []bool{true, false} {
				if err := r.applyAll(ctx, manager, group, dryRun); err != nil {
					return nil, err
				}
			}
		}
		return map[string]int{"dry-run": len(objs), "applied": len(objs)}, nil
	}
	return nil, fmt.Errorf("%s cannot %s", tool, op)
}

func splitNamespaces(objs []*unstructured.Unstructured) (nss, rest []*unstructured.Unstructured) {
	for _, o := range objs {
		if o.GetKind() == "Namespace" {
			nss = append(nss, o)
		} else {
			rest = append(rest, o)
		}
	}
	return nss, rest
}

// warm resolves the mappings of objs so that discovery is not timed.
func (r *raw) warm(objs []*unstructured.Unstructured) error {
	for _, o := range objs {
		gvk := o.GroupVersionKind()
		if _, err := r.mapper.RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
			return fmt.Errorf("map %s: %w", gvk, err)
		}
	}
	return nil
}

// applyAs server-side applies objs as field manager manager, Namespaces first, then
// the rest, each group with r.concurrency requests in flight (kubectl's objects,
// brought to a state untimed).
func (r *raw) applyAs(ctx context.Context, manager string, objs []*unstructured.Unstructured) error {
	nss, rest := splitNamespaces(objs)
	for _, group := range [][]*unstructured.Unstructured{nss, rest} {
		if err := r.applyAll(ctx, manager, group, false); err != nil {
			return err
		}
	}
	return nil
}

func (r *raw) applyAll(ctx context.Context, manager string, objs []*unstructured.Unstructured, dryRun bool) error {
	force := true
	opts := metav1.PatchOptions{FieldManager: manager, Force: &force}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	return r.each(ctx, objs, func(o *unstructured.Unstructured) error { return r.applyOne(ctx, o, opts) })
}

// deleteAll deletes objs, r.concurrency at a time, in the background (as Flux and
// kubectl-gitops prune: dependents are left to the garbage collector).
func (r *raw) deleteAll(ctx context.Context, objs []*unstructured.Unstructured) error {
	bg := metav1.DeletePropagationBackground
	return r.each(ctx, objs, func(o *unstructured.Unstructured) error {
		res, err := r.resource(o)
		if err == nil {
			err = res.Delete(ctx, o.GetName(), metav1.DeleteOptions{PropagationPolicy: &bg})
		}
		if err != nil {
			return fmt.Errorf("delete %s %s/%s: %w", o.GetKind(), o.GetNamespace(), o.GetName(), err)
		}
		return nil
	})
}

// each runs fn on every object, r.concurrency at a time.
func (r *raw) each(ctx context.Context, objs []*unstructured.Unstructured, fn func(*unstructured.Unstructured) error) error {
	var (
		next   atomic.Int64
		wg     sync.WaitGroup
		mu     sync.Mutex
		errs   []error
		failed atomic.Int64
	)
	for w := 0; w < r.concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(objs) || ctx.Err() != nil {
					return
				}
				if err := fn(objs[i]); err != nil {
					if failed.Add(1) <= 3 {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
					}
				}
			}
		}()
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("raw loop: %d objects failed, e.g. %v", n, errs)
	}
	return ctx.Err()
}

func (r *raw) applyOne(ctx context.Context, o *unstructured.Unstructured, opts metav1.PatchOptions) error {
	res, err := r.resource(o)
	if err != nil {
		return err
	}
	body, err := json.Marshal(o.Object)
	if err != nil {
		return err
	}
	if _, err := res.Patch(ctx, o.GetName(), types.ApplyPatchType, body, opts); err != nil {
		return fmt.Errorf("%s %s/%s: %w", o.GetKind(), o.GetNamespace(), o.GetName(), err)
	}
	return nil
}

// resource is the dynamic client of o's resource (and namespace).
func (r *raw) resource(o *unstructured.Unstructured) (dynamic.ResourceInterface, error) {
	gvk := o.GroupVersionKind()
	m, err := r.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, err
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return r.client.Resource(m.Resource).Namespace(o.GetNamespace()), nil
	}
	return r.client.Resource(m.Resource), nil
}
