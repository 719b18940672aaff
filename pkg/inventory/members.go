package inventory

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
)

// listPageSize bounds memory while listing large sets.
const listPageSize = 500

// Member is one object of the set as listed, kept as its JSON without the field sets
// of its managed fields (see dropFieldSets) until it is read: a plan holds every member
// at once, and a decoded object takes about four times the memory of its JSON (at
// 10,000 members, 43 MB of maps against 10 MB of JSON).
type Member struct {
	// ID names the member.
	ID object.ID
	// APIVersion is the version it was listed at.
	APIVersion string

	data []byte
}

// NewMember keeps u as a Member (its JSON); u can be dropped.
func NewMember(u *unstructured.Unstructured) (*Member, error) {
	data, err := json.Marshal(u.Object) // a slice of its length: a member is kept long
	if err != nil {
		return nil, fmt.Errorf("encode member %s: %w", object.IDOf(u), err)
	}
	return &Member{ID: object.IDOf(u), APIVersion: u.GetAPIVersion(), data: data}, nil
}

// Object decodes the member: a new object at every call, the caller's to change.
func (m *Member) Object() (*unstructured.Unstructured, error) {
	obj, err := runtime.Decode(unstructured.UnstructuredJSONScheme, m.data)
	if err != nil {
		return nil, fmt.Errorf("decode member %s: %w", m.ID, err)
	}
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return nil, fmt.Errorf("decode member %s: a %T, not an object", m.ID, obj)
	}
	return u, nil
}

// Members lists the objects labelled as members of this set, kept compact (see
// Member), for the recorded
// group-kinds plus extra ones (the kinds about to be applied). Kinds the cluster no
// longer serves are reported in unknown and skipped. Namespaced kinds are listed
// cluster-wide with the part-of selector; where that is forbidden, per namespace.
func (s *Store) Members(ctx context.Context, inv *Inventory, mapper meta.RESTMapper, extra []schema.GroupKind) (members []*Member, unknown []schema.GroupKind, err error) {
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

func (s *Store) listKind(ctx context.Context, m *meta.RESTMapping, namespaces []string, selector string) ([]*Member, error) {
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

func listAll(ctx context.Context, res dynamic.ResourceInterface, selector string) ([]*Member, error) {
	var out []*Member
	opts := metav1.ListOptions{LabelSelector: selector, Limit: listPageSize}
	for {
		list, err := res.List(ctx, opts)
		if err != nil {
			return nil, err
		}
		for i := range list.Items {
			dropFieldSets(&list.Items[i])
			m, err := NewMember(&list.Items[i])
			if err != nil {
				return nil, err
			}
			out = append(out, m)
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
