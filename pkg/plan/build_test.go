package plan

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/inventory"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
)

func live(hash string, fields ...metav1.ManagedFieldsEntry) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "a", "namespace": "ns"}}}
	if hash != "" {
		u.SetAnnotations(map[string]string{object.AnnotationAppliedHash: hash})
	}
	u.SetManagedFields(fields)
	return u
}

func mf(manager string, op metav1.ManagedFieldsOperationType, sub string, at time.Time) metav1.ManagedFieldsEntry {
	t := metav1.NewTime(at)
	return metav1.ManagedFieldsEntry{Manager: manager, Operation: op, Subresource: sub, Time: &t}
}

func TestUnchangedSinceApplied(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	ours := mf("kubectl-gitops", metav1.ManagedFieldsOperationApply, "", t0)
	tests := []struct {
		name string
		live *unstructured.Unstructured
		want bool
	}{
		{"only ours", live("h", ours), true},
		{"older writer", live("h", mf("kubectl-create", metav1.ManagedFieldsOperationUpdate, "", t0.Add(-time.Minute)), ours), true},
		{"status writer later", live("h", ours, mf("controller", metav1.ManagedFieldsOperationUpdate, "status", t0.Add(time.Minute))), true},
		{"other hash", live("other", ours), false},
		{"no hash", live("", ours), false},
		{"edited later", live("h", ours, mf("kubectl-edit", metav1.ManagedFieldsOperationUpdate, "", t0.Add(time.Minute))), false},
		{"scaled later", live("h", ours, mf("hpa", metav1.ManagedFieldsOperationUpdate, "scale", t0.Add(time.Minute))), false},
		{"same second", live("h", ours, mf("kubectl-edit", metav1.ManagedFieldsOperationUpdate, "", t0)), false},
		{"never applied by us", live("h", mf("kubectl-gitops", metav1.ManagedFieldsOperationUpdate, "", t0)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := unchangedSinceApplied(tt.live, "h", "kubectl-gitops"); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPrepare(t *testing.T) {
	mapper := meta.NewDefaultRESTMapper(nil)
	mapper.Add(schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, meta.RESTScopeNamespace)
	mapper.Add(schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}, meta.RESTScopeRoot)
	mapper.Add(schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}, meta.RESTScopeRoot)
	obj := func(file, yaml string) manifest.Object {
		objs, err := manifest.Parse(file, []byte(yaml))
		if err != nil || len(objs) != 1 {
			t.Fatalf("parse %s: %v", file, err)
		}
		return objs[0]
	}
	objs := []manifest.Object{
		obj("a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"),
		obj("b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: dflt\n"),
		obj("c.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: forbidden\n"),
		obj("d.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: dflt\n  namespace: ignored\n"),
		obj("e.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n"),
		obj("f.yaml", "apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g\n"),
		obj("crd.yaml", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  scope: Namespaced\n  names:\n    kind: Widget\n"),
	}
	ds, problems := prepare(objs, mapper, map[string]string{"part-of": "set"}, Options{DefaultNamespace: "dflt", AllowNamespaces: []string{"dflt"}})
	got := map[string]*desired{}
	for _, d := range ds {
		got[d.id.String()] = d
	}
	decode := func(d *desired) *unstructured.Unstructured {
		t.Helper()
		if d == nil {
			t.Fatal("missing")
		}
		u, err := d.object()
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	if d := got["ConfigMap dflt/a"]; d.source.File != "a.yaml" || decode(d).GetLabels()["part-of"] != "set" || d.hash == "" ||
		decode(d).GetAnnotations()[object.AnnotationAppliedHash] != d.hash {
		t.Fatalf("defaulted ConfigMap: %+v", d)
	}
	if d := got["Namespace dflt"]; decode(d).GetNamespace() != "" {
		t.Fatalf("cluster-scoped object keeps a namespace: %+v", d)
	}
	if d := got["Widget.example.com dflt/w"]; d == nil || d.pendingCRD != "widgets.example.com" || d.mapping != nil {
		t.Fatalf("custom resource of a CRD in the change: %+v", d)
	}
	wantProblems := []string{
		"b.yaml:1: ConfigMap dflt/a: defined twice: also at a.yaml:1",
		`c.yaml:1: ConfigMap forbidden/c: namespace "forbidden" is not allowed`,
		"f.yaml:1: Gadget.example.com g: unknown kind",
	}
	if len(problems) != len(wantProblems) {
		t.Fatalf("problems: %v", problems)
	}
	for i, w := range wantProblems {
		if !strings.HasPrefix(problems[i].String(), w) {
			t.Errorf("problem %d = %q, want prefix %q", i, problems[i], w)
		}
	}
}

// TestPrepareNamespacedOnly: under a grant of some namespaces, a cluster-scoped object is
// a problem, and a Namespace the grant allows is not.
func TestPrepareNamespacedOnly(t *testing.T) {
	mapper := meta.NewDefaultRESTMapper(nil)
	mapper.Add(schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}, meta.RESTScopeRoot)
	mapper.Add(schema.GroupVersionKind{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRole"}, meta.RESTScopeRoot)
	var objs []manifest.Object
	for file, y := range map[string]string{
		"ns.yaml":   "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
		"role.yaml": "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: admin-copy\n",
	} {
		o, err := manifest.Parse(file, []byte(y))
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o...)
	}
	ds, problems := prepare(objs, mapper, nil, Options{DefaultNamespace: "shop", AllowNamespaces: []string{"shop"}, NamespacedOnly: true})
	if len(ds) != 1 || ds[0].id.Kind != "Namespace" {
		t.Fatalf("desired %v", ds)
	}
	if len(problems) != 1 || !strings.Contains(problems[0].String(), "ClusterRole.rbac.authorization.k8s.io admin-copy: cluster-scoped objects are not allowed") {
		t.Fatalf("problems %v", problems)
	}
}

func TestHashIsStable(t *testing.T) {
	u := live("")
	a, _, _ := hashObject(u, Options{FieldManager: "m"})
	u2 := u.DeepCopy()
	u2.SetAnnotations(map[string]string{object.AnnotationAppliedHash: "anything"})
	b, _, _ := hashObject(u2, Options{FieldManager: "m"})
	c, _, _ := hashObject(u, Options{FieldManager: "m", ForceConflicts: true})
	if a != b || a == c {
		t.Fatalf("hash must ignore its own annotation and include how it is sent: %s %s %s", a, b, c)
	}
}

func TestContains(t *testing.T) {
	tests := []struct {
		name       string
		have, want any
		ok         bool
	}{
		{"subset map", map[string]any{"a": "x", "b": int64(1), "extra": true}, map[string]any{"a": "x", "b": int64(1)}, true},
		{"missing key", map[string]any{"a": "x"}, map[string]any{"a": "x", "b": "y"}, false},
		{"changed value", map[string]any{"a": "x"}, map[string]any{"a": "z"}, false},
		{"int vs float", map[string]any{"n": float64(3)}, map[string]any{"n": int64(3)}, true},
		{"list elementwise", []any{map[string]any{"name": "c", "image": "i", "x": 1}}, []any{map[string]any{"name": "c", "image": "i"}}, true},
		{"list longer", []any{"a", "b"}, []any{"a"}, false},
		{"nested removal", map[string]any{"metadata": map[string]any{"labels": map[string]any{}}}, map[string]any{"metadata": map[string]any{"labels": map[string]any{"team": "a"}}}, false},
		{"nil", map[string]any{"a": nil}, map[string]any{"a": nil}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := contains(tt.have, tt.want); got != tt.ok {
				t.Fatalf("contains = %v, want %v", got, tt.ok)
			}
		})
	}
}

func TestPrunesRefusals(t *testing.T) {
	parent := inventory.Parent{Kind: "Secret", Namespace: "home", Name: "set"}
	member := func(kind, ns, name string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion("v1")
		u.SetKind(kind)
		u.SetNamespace(ns)
		u.SetName(name)
		u.SetManagedFields([]metav1.ManagedFieldsEntry{{Manager: DefaultFieldManager, Operation: metav1.ManagedFieldsOperationApply}})
		return u
	}
	tests := []struct {
		name    string
		member  *unstructured.Unstructured
		allow   []string
		nsOnly  bool   // a grant of some namespaces only
		action  Action // "" when the delete is a problem
		problem string
	}{
		{name: "delete", member: member("ConfigMap", "nc", "a"), action: Delete},
		{name: "allowed", member: member("ConfigMap", "nc", "a"), allow: []string{"nc"}, action: Delete},
		{name: "outside allow-namespace", member: member("ConfigMap", "nd", "a"), allow: []string{"nc"},
			problem: `ConfigMap nd/a: namespace "nd" is not allowed (allowed: [nc]): not pruning it`},
		{name: "namespace outside allow-namespace", member: member("Namespace", "", "nd"), allow: []string{"nc"},
			problem: `Namespace nd: namespace "nd" is not allowed`},
		{name: "cluster-scoped with allow-namespace", member: member("ClusterRole", "", "r"), allow: []string{"nc"}, action: Delete},
		{name: "cluster-scoped, namespaced only", member: member("ClusterRole", "", "r"), allow: []string{"nc"}, nsOnly: true,
			problem: "ClusterRole r: cluster-scoped objects are not allowed (only namespaces [nc] are): not pruning it"},
		{name: "allowed namespace, namespaced only", member: member("Namespace", "", "nc"), allow: []string{"nc"}, nsOnly: true, action: Delete},
		{name: "parent namespace", member: member("Namespace", "", "home"),
			problem: "Namespace home: refusing to delete the namespace of this set's ApplySet parent (Secret home/set)"},
		{name: "other namespace", member: member("Namespace", "", "away"), action: Delete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Plan{}
			m, err := inventory.NewMember(tt.member)
			if err != nil {
				t.Fatal(err)
			}
			out := prunes(nil, []*inventory.Member{m}, 1, parent,
				Options{Prune: true, MaxDeletes: -1, AllowNamespaces: tt.allow, NamespacedOnly: tt.nsOnly, FieldManager: DefaultFieldManager}, p)
			if tt.problem != "" {
				if len(out) != 0 || len(p.Problems) != 1 || !strings.HasPrefix(p.Problems[0].String(), tt.problem) {
					t.Fatalf("changes %v, problems %v; want the problem %q", out, p.Problems, tt.problem)
				}
				return
			}
			if len(p.Problems) != 0 || len(out) != 1 || out[0].Action != tt.action {
				t.Fatalf("changes %v, problems %v; want %s", out, p.Problems, tt.action)
			}
		})
	}
}

func TestServedVersion(t *testing.T) {
	crd := func(versions ...any) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{"versions": versions}}}
	}
	v := func(name string, served, storage bool) any {
		return map[string]any{"name": name, "served": served, "storage": storage}
	}
	tests := []struct {
		name string
		crd  *unstructured.Unstructured
		want string // "" for an error
	}{
		{"storage served", crd(v("v1", true, false), v("v2", true, true)), "v2"},
		{"storage not served", crd(v("v1", true, false), v("v2", false, true)), "v1"},
		{"none served", crd(v("v1", false, true)), ""},
		{"no versions", crd(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := servedVersion(tt.crd)
			if got != tt.want || (err == nil) != (tt.want != "") {
				t.Fatalf("servedVersion = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
