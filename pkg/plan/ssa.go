package plan

import (
	"context"
	"encoding/json"
	"strconv"

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
	return serverSideApplyBody(ctx, c, m, u.GetNamespace(), u.GetName(), body, fieldManager, force, dryRun)
}

// serverSideApplyBody is ServerSideApply of the object whose JSON is body.
func serverSideApplyBody(ctx context.Context, c dynamic.Interface, m *meta.RESTMapping, namespace, name string, body []byte, fieldManager string, force, dryRun bool) (*unstructured.Unstructured, error) {
	opts := metav1.PatchOptions{FieldManager: fieldManager, Force: &force}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	return ResourceFor(c, m, namespace).Patch(ctx, name, types.ApplyPatchType, body, opts)
}

// ServerSideApplyJSON server-side applies the object whose JSON is body, named name in
// namespace ("" for a cluster-scoped kind), as ServerSideApply does, for callers that
// need only the outcome: the body is sent as it is (no decoding, no encoding), and with
// cl.REST the server's answer (the whole object with its managed fields: most of the
// client's CPU per object when thousands are applied) is not decoded either. Errors are
// those of ServerSideApply.
func ServerSideApplyJSON(ctx context.Context, cl Cluster, m *meta.RESTMapping, namespace, name string, body []byte, fieldManager string, force, dryRun bool) error {
	if cl.REST == nil {
		_, err := serverSideApplyBody(ctx, cl.Client, m, namespace, name, body, fieldManager, force, dryRun)
		return err
	}
	// The path and parameters the dynamic client sends (dynamic.ResourceInterface.Patch).
	gvr := m.Resource
	segments := []string{"apis", gvr.Group, gvr.Version}
	if gvr.Group == "" {
		segments = []string{"api", gvr.Version}
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		segments = append(segments, "namespaces", namespace)
	}
	segments = append(segments, gvr.Resource, name)
	req := cl.REST.Patch(types.ApplyPatchType).AbsPath(segments...).Body(body).
		Param("fieldManager", fieldManager).Param("force", strconv.FormatBool(force))
	if dryRun {
		req = req.Param("dryRun", metav1.DryRunAll)
	}
	return req.Do(ctx).Error()
}

// ResourceFor returns the client for m's resource, in namespace when it is namespaced.
func ResourceFor(c dynamic.Interface, m *meta.RESTMapping, namespace string) dynamic.ResourceInterface {
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return c.Resource(m.Resource).Namespace(namespace)
	}
	return c.Resource(m.Resource)
}
