package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

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

// apply server-side applies objs as field manager "bench-raw", Namespaces first, then
// the rest, each group with r.concurrency requests in flight; dryRun validates without
// writing. The CPU time is this process's.
func (r *raw) apply(ctx context.Context, objs []*unstructured.Unstructured, dryRun bool) (measure, error) {
	return r.applyAs(ctx, "bench-raw", objs, dryRun)
}

// applyAs is apply with another field manager.
func (r *raw) applyAs(ctx context.Context, manager string, objs []*unstructured.Unstructured, dryRun bool) (measure, error) {
	var nss, rest []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == "Namespace" {
			nss = append(nss, o)
		} else {
			rest = append(rest, o)
		}
	}
	cpu0 := selfCPU()
	start := time.Now()
	if dryRun { // no namespace is created, so the objects in new ones could not be validated
		nss, rest = nil, objs
	}
	for _, group := range [][]*unstructured.Unstructured{nss, rest} {
		if err := r.applyAll(ctx, manager, group, dryRun); err != nil {
			return measure{}, err
		}
	}
	return measure{wall: time.Since(start), cpu: selfCPU() - cpu0}, nil
}

func (r *raw) applyAll(ctx context.Context, manager string, objs []*unstructured.Unstructured, dryRun bool) error {
	var (
		next   atomic.Int64
		wg     sync.WaitGroup
		mu     sync.Mutex
		errs   []error
		failed atomic.Int64
	)
	force := true
	opts := metav1.PatchOptions{FieldManager: manager, Force: &force}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	for w := 0; w < r.concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(objs) || ctx.Err() != nil {
					return
				}
				if err := r.applyOne(ctx, objs[i], opts); err != nil {
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
	gvk := o.GroupVersionKind()
	m, err := r.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return err
	}
	body, err := json.Marshal(o.Object)
	if err != nil {
		return err
	}
	var res dynamic.ResourceInterface = r.client.Resource(m.Resource)
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		res = r.client.Resource(m.Resource).Namespace(o.GetNamespace())
	}
	if _, err := res.Patch(ctx, o.GetName(), types.ApplyPatchType, body, opts); err != nil {
		return fmt.Errorf("%s %s/%s: %w", gvk.Kind, o.GetNamespace(), o.GetName(), err)
	}
	return nil
}

// selfCPU is the user and system time of this process so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
