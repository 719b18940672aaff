package plan

import (
	"context"
	"encoding/json"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
)

// ServerSideApply applies u with server-side apply under fieldManager; with dryRun the
// server validates and merges but persists nothing. It returns the server's result.
func ServerSideApply(ctx context.Context, c dynamic.Interface, m *meta.RESTMapping, u *unstructured.Unstructured, fieldManager string, force, dryRun bool) (*unstructured.Unstructured, error) {
	body, err := json.Marshal(u.Object)
	if err != nil {
		return nil, err
	}
	opts := metav1.PatchOptions{FieldManager: fieldManager, Force: &force}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	return ResourceFor(c, m, u.GetNamespace()).Patch(ctx, u.GetName(), types.ApplyPatchType, body, opts)
}

// ResourceFor returns the client for m's resource, in namespace when it is namespaced.
func ResourceFor(c dynamic.Interface, m *meta.RESTMapping, namespace string) dynamic.ResourceInterface {
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return c.Resource(m.Resource).Namespace(namespace)
	}
	return c.Resource(m.Resource)
}
