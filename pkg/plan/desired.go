package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
)

// desired is one object to apply, prepared: namespace defaulted, member label set,
// applied-hash annotation set, and its REST mapping (nil when its CRD comes with the plan).
type desired struct {
	obj     *unstructured.Unstructured
	source  manifest.Source
	id      object.ID
	mapping *meta.RESTMapping
	// pendingCRD names the CRD in this plan that defines the kind, when the cluster
	// does not know the kind yet.
	pendingCRD string
	hash       string
}

// crdKinds returns the group-kinds (and their scope) defined by CRDs in objs.
func crdKinds(objs []manifest.Object) map[schema.GroupKind]crdInfo {
	out := map[schema.GroupKind]crdInfo{}
	for _, o := range objs {
		gvk := o.Obj.GroupVersionKind()
		if gvk.Group != "apiextensions.k8s.io" || gvk.Kind != "CustomResourceDefinition" {
			continue
		}
		group, _, _ := unstructured.NestedString(o.Obj.Object, "spec", "group")
		kind, _, _ := unstructured.NestedString(o.Obj.Object, "spec", "names", "kind")
		scope, _, _ := unstructured.NestedString(o.Obj.Object, "spec", "scope")
		out[schema.GroupKind{Group: group, Kind: kind}] = crdInfo{name: o.Obj.GetName(), namespaced: scope != "Cluster"}
	}
	return out
}

type crdInfo struct {
	name       string
	namespaced bool
}

// prepare maps every object, defaults and checks namespaces, labels it as a member and
// hashes it. Objects that cannot be prepared become problems.
func prepare(objs []manifest.Object, mapper meta.RESTMapper, memberLabels map[string]string, o Options) ([]*desired, []Problem) {
	var (
		out      []*desired
		problems []Problem
		seen     = map[object.ID]manifest.Source{}
		crds     = crdKinds(objs)
	)
	problem := func(d *desired, format string, args ...any) {
		id := d.id
		problems = append(problems, Problem{ID: &id, Source: d.source, Message: fmt.Sprintf(format, args...)})
	}
	for _, mo := range objs {
		d := &desired{obj: mo.Obj, source: mo.Source} // Build owns objs: no copy
		d.id = object.IDOf(d.obj)
		gvk := d.obj.GroupVersionKind()
		namespaced := true
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		switch {
		case err == nil:
			d.mapping = m
			namespaced = m.Scope.Name() == meta.RESTScopeNameNamespace
		case meta.IsNoMatchError(err):
			crd, ok := crds[gvk.GroupKind()]
			if !ok {
				problem(d, "unknown kind %s: no such API in the cluster and no CustomResourceDefinition for it in this change", gvk)
				continue
			}
			d.pendingCRD = crd.name
			namespaced = crd.namespaced
		default:
			problem(d, "map kind %s: %v", gvk, err)
			continue
		}
		switch {
		case namespaced && d.obj.GetNamespace() == "":
			d.obj.SetNamespace(o.DefaultNamespace)
		case !namespaced && d.obj.GetNamespace() != "":
			d.obj.SetNamespace("") // as kubectl does for cluster-scoped kinds
		}
		d.id = object.IDOf(d.obj)
		if len(o.AllowNamespaces) > 0 || o.NamespacedOnly {
			ns := d.obj.GetNamespace()
			if d.id.Group == "" && d.id.Kind == "Namespace" {
				ns = d.id.Name
			}
			if ns == "" && o.NamespacedOnly {
				problem(d, "cluster-scoped objects are not allowed: only namespaces %v are", o.AllowNamespaces)
				continue
			}
			if ns != "" && !NamespaceAllowed(o.AllowNamespaces, ns) {
				problem(d, "namespace %q is not allowed (allowed: %v)", ns, o.AllowNamespaces)
				continue
			}
		}
		if prev, dup := seen[d.id]; dup {
			problem(d, "defined twice: also at %s", prev)
			continue
		}
		seen[d.id] = d.source

		labels := d.obj.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		for k, v := range memberLabels {
			labels[k] = v
		}
		d.obj.SetLabels(labels)
		d.hash, err = hashObject(d.obj, o)
		if err != nil {
			problem(d, "hash: %v", err)
			continue
		}
		ann := d.obj.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		ann[object.AnnotationAppliedHash] = d.hash
		d.obj.SetAnnotations(ann)
		out = append(out, d)
	}
	return out, problems
}

// hashObject hashes what is sent to the server, and how: the object (without the hash
// annotation), the field manager and whether conflicts are forced.
func hashObject(u *unstructured.Unstructured, o Options) (string, error) {
	c := shallowCopy(u) // only the annotations are edited
	ann := c.GetAnnotations()
	delete(ann, object.AnnotationAppliedHash)
	if len(ann) == 0 {
		ann = nil // no annotations and an empty map hash the same
	}
	c.SetAnnotations(ann)
	b, err := json.Marshal(c.Object) // map keys are sorted: deterministic
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%t\x00", o.FieldManager, o.ForceConflicts)
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}
