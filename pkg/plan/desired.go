package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
)

// desired is one object to apply, prepared: namespace defaulted, member label set,
// applied-hash annotation set, and its REST mapping (nil when its CRD comes with the plan).
// It is kept as JSON until it is planned (see object): a plan holds every desired
// object at once, and decoded objects take about four times the memory.
type desired struct {
	// data is the prepared object's JSON without its applied-hash annotation: what
	// the hash is made of (see hashObject).
	data    []byte
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
	for i, mo := range objs {
		objs[i].Obj = nil // Build owns objs: each is kept as JSON once prepared
		obj := mo.Obj
		d := &desired{source: mo.Source}
		d.id = object.IDOf(obj)
		gvk := obj.GroupVersionKind()
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
		case namespaced && obj.GetNamespace() == "":
			obj.SetNamespace(o.DefaultNamespace)
		case !namespaced && obj.GetNamespace() != "":
			obj.SetNamespace("") // as kubectl does for cluster-scoped kinds
		}
		d.id = object.IDOf(obj)
		if len(o.AllowNamespaces) > 0 || o.NamespacedOnly {
			ns := obj.GetNamespace()
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

		labels := obj.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		for k, v := range memberLabels {
			labels[k] = v
		}
		obj.SetLabels(labels)
		d.hash, d.data, err = hashObject(obj, o)
		if err != nil {
			problem(d, "hash: %v", err)
			continue
		}
		out = append(out, d)
	}
	return out, problems
}

// object decodes d: a new object at every call, with its applied-hash annotation.
func (d *desired) object() (*unstructured.Unstructured, error) {
	u, err := decodeObject(d.id, d.data)
	if err != nil {
		return nil, err
	}
	ann := u.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[object.AnnotationAppliedHash] = d.hash
	u.SetAnnotations(ann)
	return u, nil
}

// decodeObject decodes the JSON of the object id.
func decodeObject(id object.ID, data []byte) (*unstructured.Unstructured, error) {
	obj, err := runtime.Decode(unstructured.UnstructuredJSONScheme, data)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", id, err)
	}
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return nil, fmt.Errorf("decode %s: a %T, not an object", id, obj)
	}
	return u, nil
}

// hashObject hashes what is sent to the server, and how: the object (without the hash
// annotation), the field manager and whether conflicts are forced. It returns the hash
// and the JSON it hashed.
func hashObject(u *unstructured.Unstructured, o Options) (string, []byte, error) {
	c := shallowCopy(u) // only the annotations are edited
	ann := c.GetAnnotations()
	delete(ann, object.AnnotationAppliedHash)
	if len(ann) == 0 {
		ann = nil // no annotations and an empty map hash the same
	}
	c.SetAnnotations(ann)
	b, err := json.Marshal(c.Object) // map keys are sorted: deterministic
	if err != nil {
		return "", nil, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%t\x00", o.FieldManager, o.ForceConflicts)
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))[:32], b, nil
}
