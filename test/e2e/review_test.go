package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/inventory"
)

// TestFastPathSeesRemovedFields: a field someone else removed leaves no trace in
// managedFields, so the plan must still notice it (and not call the object unchanged).
func TestFastPathSeesRemovedFields(t *testing.T) {
	ctx := context.Background()
	ns, set := unique("fastpath"), unique("fastpath")
	r := gitrepotest.NewRepo(t, map[string]string{
		"ns.yaml": namespaceYAML(ns),
		"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: " + ns + "\n  labels:\n    team: a\ndata:\n  k: v\n  k2: v2\n",
	})
	mustGitops(t, 0, "apply", r.Dir, "--applyset", set)
	mustGitops(t, 0, "plan", r.Dir, "--applyset", set)
	patch := []byte(`[{"op":"remove","path":"/metadata/labels/team"},{"op":"remove","path":"/data/k2"}]`)
	if _, err := kube(t).CoreV1().ConfigMaps(ns).Patch(ctx, "c", types.JSONPatchType, patch, metav1.PatchOptions{FieldManager: "someone"}); err != nil {
		t.Fatal(err)
	}
	res := mustGitops(t, 1, "plan", r.Dir, "--applyset", set)
	requireContainsAll(t, res.out, "update", "+    team: a", "+  k2: v2")
	mustGitops(t, 0, "apply", r.Dir, "--applyset", set)
	mustGitops(t, 0, "plan", r.Dir, "--applyset", set)
}

// TestPruneOffKeepsInventory: objects removed from git while --prune=false stay in the
// inventory, so a later apply with pruning collects them.
func TestPruneOffKeepsInventory(t *testing.T) {
	ns, set := unique("pruneoff"), unique("pruneoff")
	r := gitrepotest.NewRepo(t, map[string]string{
		"ns.yaml": namespaceYAML(ns),
		"cm.yaml": cm("keep", ns, "a: b"),
		"sa.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: old\n  namespace: " + ns + "\n",
	})
	mustGitops(t, 0, "apply", r.Dir, "--applyset", set)
	r.Write(t, map[string]string{"sa.yaml": ""})
	r.Commit(t, "drop sa", nil)
	mustGitops(t, 0, "apply", r.Dir, "--applyset", set, "--prune=false")
	requireExists(t, gvrServiceAccount, ns, "old")
	res := mustGitops(t, 1, "plan", r.Dir, "--applyset", set)
	requireContainsAll(t, res.out, "delete", "ServiceAccount "+ns+"/old")
	mustGitops(t, 0, "apply", r.Dir, "--applyset", set)
	requireAbsent(t, gvrServiceAccount, ns, "old")
}

// TestCRDPruneKeptWhileForeignObjectsExist: removing a CRD from git must not delete
// custom resources this set never created.
func TestCRDPruneKeptWhileForeignObjectsExist(t *testing.T) {
	set := unique("crdprune")
	group := set + ".example.com"
	crd := "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: gizmos." + group + "\nspec:\n" +
		"  group: " + group + "\n  scope: Namespaced\n  names: {kind: Gizmo, plural: gizmos, singular: gizmo, listKind: GizmoList}\n" +
		"  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}\n"
	r := gitrepotest.NewRepo(t, map[string]string{"crd.yaml": crd})
	mustGitops(t, 0, "apply", r.Dir, "--applyset", set)
	foreign := "apiVersion: " + group + "/v1\nkind: Gizmo\nmetadata:\n  name: theirs\n  namespace: default\n"
	other := gitrepotest.NewRepo(t, map[string]string{"g.yaml": foreign})
	mustGitops(t, 0, "apply", other.Dir, "--applyset", set+"-other")

	r.Write(t, map[string]string{"crd.yaml": "", "README.md": "empty"})
	r.Commit(t, "drop crd", nil)
	res := mustGitops(t, 0, "apply", r.Dir, "--applyset", set, "--allow-empty")
	if !strings.Contains(collapseSpaces(res.out), "skip CustomResourceDefinition.apiextensions.k8s.io gizmos."+group) {
		t.Fatalf("the CRD should be kept while foreign Gizmos exist\n%s", res)
	}
	requireExists(t, gvrCRD, "", "gizmos."+group)
}

// TestLockLost: when another holder takes the lease, the holder's context is cancelled
// with ErrLockLost, and its unlock leaves the new holder's lease alone.
func TestLockLost(t *testing.T) {
	ctx := context.Background()
	store := inventory.New(dyn(t), parentOf(unique("locklost")))
	locked, unlock, err := store.Lock(ctx, "first", inventory.MinLockTTL)
	if err != nil {
		t.Fatal(err)
	}
	leases := dyn(t).Resource(gvrLease).Namespace("default")
	name := store.Parent().LeaseName()
	l, err := leases.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_ = unstructured.SetNestedField(l.Object, "second", "spec", "holderIdentity")
	if _, err := leases.Update(ctx, l, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	<-locked.Done() // renewal notices within ttl/3
	if !errors.Is(context.Cause(locked), inventory.ErrLockLost) {
		t.Fatalf("cause = %v, want ErrLockLost", context.Cause(locked))
	}
	unlock()
	got, err := leases.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the new holder's lease was deleted: %v", err)
	}
	if h, _, _ := unstructured.NestedString(got.Object, "spec", "holderIdentity"); h != "second" {
		t.Fatalf("holder = %q", h)
	}
}
