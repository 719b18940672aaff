package e2e

import (
	"context"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// crd is a namespaced CustomResourceDefinition "widgets.<group>" of kind Widget whose
// spec has an integer size and a string color (and nothing else).
type crd struct{ group string }

func (c crd) name() string { return "widgets." + c.group }

func (c crd) gvr() schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: c.group, Version: "v1", Resource: "widgets"}
}

func (c crd) yaml() string {
	return fmt.Sprintf(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.%[1]s
spec:
  group: %[1]s
  scope: Namespaced
  names:
    kind: Widget
    plural: widgets
    singular: widget
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size:
                type: integer
              color:
                type: string
`, c.group)
}

// widget renders a Widget; size is written as given (so it can be of the wrong type).
func (c crd) widget(name, ns, size string) string {
	return fmt.Sprintf(`apiVersion: %s/v1
kind: Widget
metadata:
  name: %s
  namespace: %s
spec:
  size: %s
  color: blue
`, c.group, name, ns, size)
}

// TestCRDAndCustomResourceInOneChange: a CR whose CRD comes with the same change is
// planned as an unverified create (exit 1, not an error); apply creates the CRD, waits
// until it is Established, then creates the CR; the next plan is clean.
func TestCRDAndCustomResourceInOneChange(t *testing.T) {
	ns := unique("crd-one")
	set, c := ns, crd{group: ns + ".e2e.example.com"}
	createNamespace(t, ns)
	r := gitrepotest.NewRepo(t, map[string]string{
		"crds/widget.yaml": c.yaml(),
		"app/w.yaml":       c.widget("w1", ns, "3"),
	})
	args := []string{"--applyset", set, r.Dir}

	res := mustGitops(t, 1, append([]string{"plan"}, args...)...)
	requireContainsAll(t, res.out,
		"create  CustomResourceDefinition.apiextensions.k8s.io "+c.name(),
		"create  Widget."+c.group+" "+ns+"/w1  (app/w.yaml:1)  (unverifiable until the CRD "+c.name()+" exists)",
		"Plan: 2 to create")
	if exists(t, gvrCRD, "", c.name()) {
		t.Fatal("plan created the CRD")
	}

	mustGitops(t, 0, append([]string{"apply"}, args...)...)
	got, err := dyn(t).Resource(gvrCRD).Get(context.Background(), c.name(), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !conditionTrue(got, "Established") {
		t.Errorf("CRD not Established after apply: %v", got.Object["status"])
	}
	w, err := dyn(t).Resource(c.gvr()).Namespace(ns).Get(context.Background(), "w1", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the CR was not created: %v", err)
	}
	if size, _, _ := unstructured.NestedInt64(w.Object, "spec", "size"); size != 3 {
		t.Errorf("spec.size = %d, want 3", size)
	}

	mustGitops(t, 0, append([]string{"plan"}, args...)...)
}

// TestInvalidCustomResourceWithItsCRD: a CR that its new CRD's schema rejects cannot be
// dry-run at plan time; apply creates the CRD (the definitions stage), then validates
// the CR, refuses it naming the object, and writes nothing of the later stages. Once
// git is fixed, the next apply creates everything.
func TestInvalidCustomResourceWithItsCRD(t *testing.T) {
	ns := unique("crd-bad")
	set, c := ns, crd{group: ns + ".e2e.example.com"}
	createNamespace(t, ns)
	r := gitrepotest.NewRepo(t, map[string]string{
		"crds/widget.yaml": c.yaml(),
		"app/w.yaml":       c.widget("w1", ns, `"big"`),
		"app/cm.yaml":      configMapWith("other", ns, "k", "v", nil),
		"cluster/cr.yaml": `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: ` + ns + `-reader
rules: []
`,
	})
	args := []string{"--applyset", set, r.Dir}

	res := mustGitops(t, 1, append([]string{"plan"}, args...)...)
	requireContainsAll(t, res.out, "Widget."+c.group+" "+ns+"/w1  (app/w.yaml:1)  (unverifiable until the CRD")

	res = gitops(t, append([]string{"apply"}, args...)...)
	if res.code == 0 {
		t.Fatalf("apply of an invalid CR succeeded\n%s", res)
	}
	requireContainsAll(t, res.out+res.err,
		"Widget."+c.group+" "+ns+"/w1  (app/w.yaml:1)",
		"FAILED: validate:", "spec.size")
	requireExists(t, gvrCRD, "", c.name())
	requireAbsent(t, c.gvr(), ns, "w1")
	requireAbsent(t, gvrConfigMap, ns, "other")
	requireAbsent(t, schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles"}, "", ns+"-reader")

	r.Write(t, map[string]string{"app/w.yaml": c.widget("w1", ns, "7")})
	r.Commit(t, "fix the widget", nil)
	mustGitops(t, 0, append([]string{"apply"}, args...)...)
	requireExists(t, c.gvr(), ns, "w1")
	requireExists(t, gvrConfigMap, ns, "other")
	mustGitops(t, 0, append([]string{"plan"}, args...)...)
}

// TestUnknownFieldInCustomResource: a field the CRD's schema does not declare is an
// error (server-side apply is strict about unknown fields), not silently dropped.
func TestUnknownFieldInCustomResource(t *testing.T) {
	ns := unique("crd-unknown")
	set, c := ns, crd{group: ns + ".e2e.example.com"}
	createNamespace(t, ns)
	r := gitrepotest.NewRepo(t, map[string]string{"crds/widget.yaml": c.yaml()})
	mustGitops(t, 0, "apply", "--applyset", set, r.Dir)

	r.Write(t, map[string]string{
		"app/w.yaml":  c.widget("w1", ns, "3") + "  shape: round\n",
		"app/cm.yaml": configMapWith("other", ns, "k", "v", nil),
	})
	r.Commit(t, "widget with an unknown field", nil)
	for _, verb := range []string{"plan", "apply"} {
		res := mustGitops(t, 2, verb, "--applyset", set, r.Dir)
		requireContainsAll(t, res.out, "app/w.yaml:1: Widget."+c.group+" "+ns+"/w1", "shape")
	}
	requireAbsent(t, c.gvr(), ns, "w1")
	requireAbsent(t, gvrConfigMap, ns, "other")
}

// TestObjectsInNamespaceOfSameChange: objects in a namespace that the same change
// creates are planned as unverified creates and applied after the namespace; an
// invalid one among them is refused after the namespace is created, and nothing of the
// namespaced stage is written.
func TestObjectsInNamespaceOfSameChange(t *testing.T) {
	cases := []struct {
		name    string
		invalid bool
	}{
		{name: "valid"},
		{name: "invalid", invalid: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := unique("newns-" + tc.name)
			set := ns
			existing := ns + "-existing"
			createNamespace(t, existing)
			files := map[string]string{
				"ns.yaml":       namespaceYAML(ns),
				"app/cm.yaml":   configMapWith("settings", ns, "k", "v", nil),
				"other/cm.yaml": configMapWith("elsewhere", existing, "k", "v", nil),
			}
			if tc.invalid {
				files["app/bad.yaml"] = configMapWith("bad", ns, "not a valid key", "v", nil)
			}
			r := gitrepotest.NewRepo(t, files)
			args := []string{"--applyset", set, r.Dir}

			res := mustGitops(t, 1, append([]string{"plan"}, args...)...)
			requireContainsAll(t, res.out,
				"create  ConfigMap "+ns+"/settings  (app/cm.yaml:1)  (unverifiable until the namespace "+ns+" exists")

			res = gitops(t, append([]string{"apply"}, args...)...)
			if !tc.invalid {
				if res.code != 0 {
					t.Fatalf("apply: %s", res)
				}
				requireExists(t, gvrConfigMap, ns, "settings")
				requireExists(t, gvrConfigMap, existing, "elsewhere")
				mustGitops(t, 0, append([]string{"plan"}, args...)...)
				return
			}
			if res.code == 0 {
				t.Fatalf("apply of an invalid object succeeded\n%s", res)
			}
			requireContainsAll(t, res.out+res.err, "ConfigMap "+ns+"/bad  (app/bad.yaml:1)", "FAILED: validate:", "not a valid key")
			requireExists(t, gvrNamespace, "", ns)
			requireAbsent(t, gvrConfigMap, ns, "settings")
			requireAbsent(t, gvrConfigMap, ns, "bad")
			requireAbsent(t, gvrConfigMap, existing, "elsewhere")
		})
	}
}

func conditionTrue(u *unstructured.Unstructured, typ string) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		if m, ok := c.(map[string]any); ok && m["type"] == typ && m["status"] == "True" {
			return true
		}
	}
	return false
}
