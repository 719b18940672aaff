package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/inventory"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
)

// patchObject merge-patches an object as another client would.
func patchObject(t *testing.T, gvr schema.GroupVersionResource, ns, name, patch string) {
	t.Helper()
	var err error
	if ns == "" {
		_, err = dyn(t).Resource(gvr).Patch(context.Background(), name, types.MergePatchType, []byte(patch), metav1.PatchOptions{FieldManager: "someone"})
	} else {
		_, err = dyn(t).Resource(gvr).Namespace(ns).Patch(context.Background(), name, types.MergePatchType, []byte(patch), metav1.PatchOptions{FieldManager: "someone"})
	}
	if err != nil {
		t.Fatalf("patch %s %s/%s: %v", gvr.Resource, ns, name, err)
	}
}

// TestCRDPruneKeepsTheSetsOwnCustomResources: a CRD removed from git is pruned only
// when every object of its kind is pruned with it; a custom resource that stays (in
// git, marked sync_only, or labelled but never applied by this tool) keeps its CRD.
func TestCRDPruneKeepsTheSetsOwnCustomResources(t *testing.T) {
	cases := []struct {
		name string
		// remove are the files removed from git after the first apply.
		remove []string
		tamper func(t *testing.T, c crd, ns string, parent inventory.Parent)
		kept   bool   // the CRD (and the CR) stay
		reason string // the skip's reason names this object
	}{
		{name: "control", remove: []string{"crd.yaml", "w.yaml"}},
		{name: "cr-in-git", remove: []string{"crd.yaml"}, kept: true, reason: "w1"},
		{
			name: "cr-sync-only", remove: []string{"crd.yaml", "w.yaml"}, kept: true, reason: "w1",
			tamper: func(t *testing.T, c crd, ns string, _ inventory.Parent) {
				patchObject(t, c.gvr(), ns, "w1", fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, object.AnnotationIgnore, object.IgnoreSyncOnly))
			},
		},
		{
			// Someone else created a Widget with the set's label: never applied by this tool.
			name: "cr-copied-label", remove: []string{"crd.yaml", "w.yaml"}, kept: true, reason: "stranger",
			tamper: func(t *testing.T, c crd, ns string, parent inventory.Parent) {
				u := &unstructured.Unstructured{}
				if err := yaml.Unmarshal([]byte(c.widget("stranger", ns, "1")), &u.Object); err != nil {
					t.Fatal(err)
				}
				u.SetLabels(map[string]string{inventory.LabelPartOf: parent.ID()})
				if _, err := dyn(t).Resource(c.gvr()).Namespace(ns).Create(context.Background(), u, metav1.CreateOptions{FieldManager: "someone"}); err != nil {
					t.Fatal(err)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := unique("crdown-" + tc.name)
			set, c := ns, crd{group: ns + ".e2e.example.com"}
			createNamespace(t, ns)
			r := gitrepotest.NewRepo(t, map[string]string{
				"crd.yaml":  c.yaml(),
				"w.yaml":    c.widget("w1", ns, "3"),
				"keep.yaml": configMapWith("keep", ns, "k", "v", nil),
			})
			args := []string{"--applyset", set, r.Dir}
			mustGitops(t, 0, append([]string{"apply"}, args...)...)
			if tc.tamper != nil {
				tc.tamper(t, c, ns, parentOf(set))
			}
			gone := map[string]string{}
			for _, f := range tc.remove {
				gone[f] = ""
			}
			r.Write(t, gone)
			r.Commit(t, "remove the CRD", nil)

			res := gitops(t, append([]string{"plan"}, args...)...)
			if tc.kept {
				requireContainsAll(t, res.out, "skip    CustomResourceDefinition.apiextensions.k8s.io "+c.name(),
					"Widget."+c.group+" "+ns+"/"+tc.reason, "deleting the CRD would delete it")
			} else {
				requireContainsAll(t, res.out, "delete  CustomResourceDefinition.apiextensions.k8s.io "+c.name(),
					"delete  Widget."+c.group+" "+ns+"/w1")
			}
			mustGitops(t, 0, append([]string{"apply"}, args...)...)
			if !tc.kept {
				eventually(t, time.Minute, "CRD "+c.name()+" deleted", func() (bool, error) {
					return !exists(t, gvrCRD, "", c.name()), nil
				})
				return
			}
			requireExists(t, gvrCRD, "", c.name())
			requireExists(t, c.gvr(), ns, tc.reason)
		})
	}
}

// TestPruneObeysAllowNamespace: a member removed from git in a namespace outside
// --allow-namespace is not deleted: the plan has a problem naming the namespace and
// nothing is applied, as for a create there.
func TestPruneObeysAllowNamespace(t *testing.T) {
	set := unique("allowprune")
	nc, nd := set+"-nc", set+"-nd"
	createNamespace(t, nc)
	createNamespace(t, nd)
	r := gitrepotest.NewRepo(t, map[string]string{
		"c.yaml": configMapWith("c", nc, "k", "v", nil),
		"d.yaml": configMapWith("d", nd, "k", "v", nil),
	})
	mustGitops(t, 0, "apply", "--applyset", set, r.Dir)
	r.Write(t, map[string]string{"d.yaml": ""})
	r.Commit(t, "remove d", nil)

	for _, verb := range []string{"plan", "apply"} {
		res := mustGitops(t, 2, verb, "--applyset", set, "--allow-namespace", nc, r.Dir)
		requireContainsAll(t, res.out, "ConfigMap "+nd+"/d: namespace \""+nd+"\" is not allowed")
	}
	requireExists(t, gvrConfigMap, nd, "d")
	mustGitops(t, 0, "apply", "--applyset", set, "--allow-namespace", nc, "--allow-namespace", nd, r.Dir)
	requireAbsent(t, gvrConfigMap, nd, "d")
	requireExists(t, gvrConfigMap, nc, "c")
}

// TestPruneRechecksBeforeDelete: the plan decides to delete "victim", then apply waits
// (--wait) for a Deployment; meanwhile the victim is marked sync_only, loses the set's
// label, or is re-created. The delete re-reads the object and skips it, saying why.
func TestPruneRechecksBeforeDelete(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(t *testing.T, ns string, parent inventory.Parent)
		reason string
	}{
		{
			name: "sync-only",
			tamper: func(t *testing.T, ns string, _ inventory.Parent) {
				annotate(t, ns, "victim", object.AnnotationIgnore, object.IgnoreSyncOnly)
			},
			reason: "marked ignore or sync_only in the cluster",
		},
		{
			name: "label-removed",
			tamper: func(t *testing.T, ns string, _ inventory.Parent) {
				patchObject(t, gvrConfigMap, ns, "victim", fmt.Sprintf(`{"metadata":{"labels":{%q:null}}}`, inventory.LabelPartOf))
			},
			reason: "no longer carries the set's label",
		},
		{
			// Deleted and created again under the same name, with the set's label.
			name: "recreated",
			tamper: func(t *testing.T, ns string, parent inventory.Parent) {
				ctx := context.Background()
				if err := kube(t).CoreV1().ConfigMaps(ns).Delete(ctx, "victim", metav1.DeleteOptions{}); err != nil {
					t.Fatal(err)
				}
				body := fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"victim","namespace":%q,"labels":{%q:%q}},"data":{"new":"yes"}}`,
					ns, inventory.LabelPartOf, parent.ID())
				if _, err := dyn(t).Resource(gvrConfigMap).Namespace(ns).Patch(ctx, "victim", types.ApplyPatchType, []byte(body),
					metav1.PatchOptions{FieldManager: "kubectl-gitops"}); err != nil {
					t.Fatal(err)
				}
			},
			reason: "re-created since the plan",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := unique("recheck-" + tc.name)
			set := ns
			createNamespace(t, ns)
			r := gitrepotest.NewRepo(t, map[string]string{"victim.yaml": configMapWith("victim", ns, "k", "v", nil)})
			mustGitops(t, 0, "apply", "--applyset", set, r.Dir)
			r.Write(t, map[string]string{"victim.yaml": "", "web.yaml": deploymentYAML("web", ns, 1, "nginx:1.27")})
			r.Commit(t, "replace the ConfigMap by a Deployment", nil)

			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			done := make(chan result, 1)
			go func() {
				done <- gitopsCtx(ctx, t, "apply", "--applyset", set, "--wait", "--timeout", "90s", r.Dir)
			}()
			// Once the Deployment exists the plan is made and apply waits for it.
			eventually(t, time.Minute, "Deployment created", func() (bool, error) {
				return exists(t, gvrDeployment, ns, "web"), nil
			})
			tc.tamper(t, ns, parentOf(set))
			for {
				err := markRolledOut(ctx, t, ns, "web")
				if err == nil {
					break
				}
				if !apierrors.IsConflict(err) {
					t.Fatalf("set the Deployment's status: %v", err)
				}
			}
			res := <-done
			if res.code != 0 {
				t.Fatalf("apply: %s", res)
			}
			requireContainsAll(t, res.out, "skip ConfigMap "+ns+"/victim", tc.reason)
			requireExists(t, gvrConfigMap, ns, "victim")
		})
	}
}

// TestParentNamespace: a set may declare the namespace of its own ApplySet parent. On a
// fresh cluster apply creates that Namespace first (once the plan is clean), then takes
// the lock; bad input still writes nothing. Removing that Namespace from git is refused:
// deleting it would delete the inventory and the lock.
func TestParentNamespace(t *testing.T) {
	home := unique("home")
	set := home
	parent := inventory.Parent{Kind: "Secret", Namespace: home, Name: set}
	r := gitrepotest.NewRepo(t, map[string]string{
		"ns.yaml":  namespaceYAML(home),
		"cm.yaml":  configMapWith("settings", home, "k", "v", nil),
		"bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n  namespace: " + home + "\ndata: [\n",
	})
	args := []string{"--applyset", set, "--applyset-namespace", home, r.Dir}

	res := mustGitops(t, 2, append([]string{"apply"}, args...)...)
	requireContainsAll(t, res.out, "bad.yaml")
	requireAbsent(t, gvrNamespace, "", home)

	r.Write(t, map[string]string{"bad.yaml": ""})
	r.Commit(t, "fix", nil)
	mustGitops(t, 0, append([]string{"apply"}, args...)...)
	requireExists(t, gvrConfigMap, home, "settings")
	requireExists(t, gvrSecret, home, set)
	requireAbsent(t, gvrLease, home, parent.LeaseName())
	mustGitops(t, 0, append([]string{"plan"}, args...)...)

	r.Write(t, map[string]string{"ns.yaml": ""})
	r.Commit(t, "remove the parent's namespace", nil)
	for _, verb := range []string{"plan", "apply"} {
		res := mustGitops(t, 2, append([]string{verb}, args...)...)
		requireContainsAll(t, res.out, "Namespace "+home+": refusing to delete the namespace of this set's ApplySet parent")
	}
	requireExists(t, gvrNamespace, "", home)
	requireExists(t, gvrSecret, home, set)
}

// TestInventoryKeepsNamespacesOfUnservedKinds: while the cluster does not serve a
// member's kind (its CRD serves no version right now), the inventory keeps the
// namespaces that member may be in, not only its kind.
func TestInventoryKeepsNamespacesOfUnservedKinds(t *testing.T) {
	ctx := context.Background()
	set := unique("unserved")
	nx, ny := set+"-x", set+"-y"
	createNamespace(t, nx)
	createNamespace(t, ny)
	c := crd{group: set + ".e2e.example.com"}
	def := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(c.yaml()), &def.Object); err != nil {
		t.Fatal(err)
	}
	if _, err := dyn(t).Resource(gvrCRD).Create(ctx, def, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "CRD served", func() (bool, error) {
		_, err := dyn(t).Resource(c.gvr()).Namespace(nx).List(ctx, metav1.ListOptions{})
		return err == nil, err
	})
	r := gitrepotest.NewRepo(t, map[string]string{
		"w.yaml":  c.widget("w1", nx, "3"),
		"cm.yaml": configMapWith("settings", ny, "k", "v", nil),
	})
	mustGitops(t, 0, "apply", "--applyset", set, r.Dir)
	requireNamespacesRecorded(t, set, nx, ny)

	unserve := []byte(`[{"op":"replace","path":"/spec/versions/0/served","value":false}]`)
	if _, err := dyn(t).Resource(gvrCRD).Patch(ctx, c.name(), types.JSONPatchType, unserve, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "kind no longer served", func() (bool, error) {
		_, err := dyn(t).Resource(c.gvr()).Namespace(nx).List(ctx, metav1.ListOptions{})
		return apierrors.IsNotFound(err), err
	})
	r.Write(t, map[string]string{"w.yaml": ""})
	r.Commit(t, "drop the widget", nil)
	mustGitops(t, 0, "apply", "--applyset", set, r.Dir)
	requireNamespacesRecorded(t, set, nx, ny)
}

// requireNamespacesRecorded fails unless the set's parent records every namespace of want.
func requireNamespacesRecorded(t *testing.T, set string, want ...string) {
	t.Helper()
	p := parentOf(set)
	u, err := dyn(t).Resource(gvrSecret).Namespace(p.Namespace).Get(context.Background(), p.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(u.GetAnnotations()[inventory.AnnotationAdditionalNS], ",")
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			t.Errorf("additional-namespaces %v lacks %s", got, w)
		}
	}
}
