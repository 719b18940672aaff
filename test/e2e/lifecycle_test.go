package e2e

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/inventory"
)

const nsShop = `apiVersion: v1
kind: Namespace
metadata:
  name: %s
`

func cm(name, ns, data string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\ndata:\n  " + data + "\n"
}

func sprintf(format string, a ...any) string { return strings.ReplaceAll(format, "%s", a[0].(string)) }

// TestLifecycle: plan, apply, no-op plan, change + removal, prune, status.
func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	ns := "life"
	r := gitrepotest.NewRepo(t, map[string]string{
		"ns.yaml":       sprintf(nsShop, ns),
		"app/cm.yaml":   cm("settings", ns, "color: blue"),
		"app/gone.yaml": cm("gone", ns, "a: b"),
		"README.md":     "not a manifest",
	})
	set := []string{"--applyset", "life", r.Dir}

	res := gitops(t, append([]string{"plan"}, set...)...)
	if res.code != 1 || !strings.Contains(res.out, "create") || !strings.Contains(res.out, "ConfigMap life/settings") {
		t.Fatalf("first plan: want exit 1 with creates\n%s", res)
	}
	res = gitops(t, append([]string{"apply"}, set...)...)
	if res.code != 0 {
		t.Fatalf("apply: %s", res)
	}
	got, err := kube(t).CoreV1().ConfigMaps(ns).Get(ctx, "settings", metav1.GetOptions{})
	if err != nil || got.Data["color"] != "blue" {
		t.Fatalf("settings after apply: %v %v", got, err)
	}
	parent := inventory.Parent{Kind: "Secret", Namespace: "default", Name: "life"}
	if got.Labels[inventory.LabelPartOf] != parent.ID() {
		t.Fatalf("member label = %q, want %q", got.Labels[inventory.LabelPartOf], parent.ID())
	}

	res = gitops(t, append([]string{"plan"}, set...)...)
	if res.code != 0 {
		t.Fatalf("plan after apply: want exit 0 (no changes)\n%s", res)
	}

	r.Write(t, map[string]string{"app/cm.yaml": cm("settings", ns, "color: green"), "app/gone.yaml": ""})
	rev := r.Commit(t, "change", nil)
	res = gitops(t, append([]string{"plan"}, set...)...)
	for _, want := range []string{"update", "ConfigMap life/settings", "-  color: blue", "+  color: green", "delete", "ConfigMap life/gone"} {
		if !strings.Contains(res.out, want) {
			t.Errorf("plan after change lacks %q\n%s", want, res)
		}
	}
	if res.code != 1 {
		t.Fatalf("plan after change: exit %d", res.code)
	}
	res = gitops(t, append([]string{"apply"}, set...)...)
	if res.code != 0 {
		t.Fatalf("apply change: %s", res)
	}
	if _, err := kube(t).CoreV1().ConfigMaps(ns).Get(ctx, "gone", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("gone was not pruned: %v", err)
	}
	res = gitops(t, "status", "--applyset", "life", "--members")
	for _, want := range []string{rev, "ConfigMap life/settings", "Namespace life", "Members:"} {
		if !strings.Contains(res.out, want) {
			t.Errorf("status lacks %q\n%s", want, res)
		}
	}
	if strings.Contains(res.out, "life/gone") {
		t.Errorf("status still lists the pruned object\n%s", res)
	}
}

// ensureNamespace creates ns unless it exists.
func ensureNamespace(t *testing.T, ns string) {
	t.Helper()
	_, err := kube(t).CoreV1().Namespaces().Create(context.Background(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}
