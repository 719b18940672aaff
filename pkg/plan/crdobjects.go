package plan

import (
	"context"
	"errors"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
)

// IsCRD reports whether id is a CustomResourceDefinition.
func IsCRD(id object.ID) bool {
	return id.Group == "apiextensions.k8s.io" && id.Kind == "CustomResourceDefinition"
}

// CRDObjectKept explains why crd must not be deleted: deleting a CRD deletes every
// object of its kind, so it may go only when each of them is deleted too (its UID is in
// gone). It returns "" when that is so, else a reason naming an object that would be
// lost, or saying that the objects cannot be listed. The kind is listed from the CRD's
// own spec, not from discovery, so a stale cache cannot hide objects.
func CRDObjectKept(ctx context.Context, client dynamic.Interface, crd *unstructured.Unstructured, gone map[types.UID]bool) string {
	group, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
	plural, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "plural")
	kind, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "kind")
	cannotList := func(err error) string {
		return fmt.Sprintf("not garbage-collected: cannot list its %s objects (%v), and deleting the CRD would delete them", kind, err)
	}
	version, err := servedVersion(crd)
	if err == nil && plural == "" {
		err = errors.New("the CRD names no plural")
	}
	if err != nil {
		return cannotList(err)
	}
	res := client.Resource(schema.GroupVersionResource{Group: group, Version: version, Resource: plural})
	opts := metav1.ListOptions{Limit: 500}
	for {
		list, err := res.List(ctx, opts)
		if err != nil {
			return cannotList(err)
		}
		for i := range list.Items {
			if u := &list.Items[i]; !gone[u.GetUID()] {
				return fmt.Sprintf("not garbage-collected: %s is not deleted by this plan (still in git, kept by a rule, or not this set's), and deleting the CRD would delete it", object.IDOf(u))
			}
		}
		if list.GetContinue() == "" {
			return ""
		}
		opts.Continue = list.GetContinue()
	}
}

// servedVersion is a version the CRD serves, its storage version when served.
func servedVersion(crd *unstructured.Unstructured) (string, error) {
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	found := ""
	for _, v := range versions {
		m, _ := v.(map[string]any)
		name, _ := m["name"].(string)
		if served, _ := m["served"].(bool); !served || name == "" {
			continue
		}
		if storage, _ := m["storage"].(bool); storage {
			return name, nil
		}
		if found == "" {
			found = name
		}
	}
	if found == "" {
		return "", errors.New("no version is served")
	}
	return found, nil
}
