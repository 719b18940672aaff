package inventory

import (
	"context"
	"fmt"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// listPageSize bounds memory while listing large sets.
const listPageSize = 500

// Members lists the objects labelled as members of this set, without the field sets of
// their managed fields (see dropFieldSets), for the recorded
// group-kinds plus extra ones (the kinds about to be applied). Kinds the cluster no
// longer serves are reported in unknown and skipped. Namespaced kinds are listed
// cluster-wide with the part-of selector; where that is forbidden, per namespace.
func (s *Store) Members(ctx context.Context, inv *Inventory, mapper meta.RESTMapper, extra []schema.GroupKind) (members []*unstructured.Unstructured, unknown []schema.GroupKind, err error) {
	gks := unionGK(inv.GroupKinds, extra)
	selector := metav1.FormatLabelSelector(metav1.SetAsLabelSelector(s.MemberLabels()))
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs []error
		sem  = make(chan struct{}, 8)
	)
	var mappings []*meta.RESTMapping
	for _, gk := range gks {
		m, err := mapper.RESTMapping(gk)
		if err != nil {
			if meta.IsNoMatchError(err) {
				unknown = append(unknown, gk)
				continue
			}
			return nil, nil, fmt.Errorf("map %s: %w", gk, err)
		}
		mappings = append(mappings, m)
	}
	for _, m := range mappings {
		gk := m.GroupVersionKind.GroupKind()
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			items, err := s.listKind(ctx, m, inv.Namespaces, selector)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("list members of %s (%s): %w", s.parent, gk, err))
				return
			}
			members = append(members, items...)
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, nil, errs[0]
	}
	return members, unknown, nil
}

func (s *Store) listKind(ctx context.Context, m *meta.RESTMapping, namespaces []string, selector string) ([]*unstructured.Unstructured, error) {
	res := s.client.Resource(m.Resource)
	if m.Scope.Name() != meta.RESTScopeNameNamespace {
		return listAll(ctx, res, selector)
	}
	items, err := listAll(ctx, res, selector)
	if !apierrors.IsForbidden(err) {
		return items, err
	}
	items = nil
	for _, ns := range namespaces {
		more, err := listAll(ctx, res.Namespace(ns), selector)
		if err != nil {
			return nil, err
		}
		items = append(items, more...)
	}
	return items, nil
}

func listAll(ctx context.Context, res dynamic.ResourceInterface, selector string) ([]*unstructured.Unstructured, error) {
	var out []*unstructured.Unstructured
	opts := metav1.ListOptions{LabelSelector: selector, Limit: listPageSize}
	for {
		list, err := res.List(ctx, opts)
		if err != nil {
			return nil, err
		}
		for i := range list.Items {
			dropFieldSets(&list.Items[i])
			out = append(out, &list.Items[i])
		}
		if list.GetContinue() == "" {
			return out, nil
		}
		opts.Continue = list.GetContinue()
	}
}

// dropFieldSets removes fieldsV1 from u's managedFields entries and keeps who wrote
// what when (manager, operation, subresource, time): nothing here reads the field sets,
// and they take as much memory as the object itself (a plan holds every member).
func dropFieldSets(u *unstructured.Unstructured) {
	md, _ := u.Object["metadata"].(map[string]interface{})
	mfs, _ := md["managedFields"].([]interface{})
	for _, e := range mfs {
		if m, ok := e.(map[string]interface{}); ok {
			delete(m, "fieldsV1")
		}
	}
}
