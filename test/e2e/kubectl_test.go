package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/inventory"
)

// TestKubectlApplySetCompat checks the ApplySet against kubectl itself: the parent id
// kubectl computes for a parent equals ours, and kubectl recognises our parent as an
// ApplySet managed by another tool (and so refuses to take it over).
func TestKubectlApplySetCompat(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Fatal("kubectl is needed for this test (it is on the CI image):", err)
	}
	ctx := context.Background()
	ns := "compat"
	dir := t.TempDir()
	file := filepath.Join(dir, "cm.yaml")
	if err := os.WriteFile(file, []byte(sprintf(nsShop, ns)+"---\n"+cm("k", ns, "a: b")), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		c := exec.Command(kubectl, append([]string{"--kubeconfig", cluster.Kubeconfig}, args...)...)
		c.Env = append(os.Environ(), "KUBECTL_APPLYSET=true")
		out, err := c.CombinedOutput()
		return string(out), err
	}
	if out, err := run("apply", "--server-side", "-f", file); err != nil {
		t.Fatalf("kubectl apply: %v\n%s", err, out)
	}
	if out, err := run("apply", "-n", ns, "--server-side", "--prune", "--applyset=secret/by-kubectl", "-f", file); err != nil {
		t.Fatalf("kubectl apply --applyset: %v\n%s", err, out)
	}
	s, err := kube(t).CoreV1().Secrets(ns).Get(ctx, "by-kubectl", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := inventory.Parent{Kind: "Secret", Namespace: ns, Name: "by-kubectl"}.ID()
	if got := s.Labels[inventory.LabelID]; got != want {
		t.Fatalf("kubectl's applyset id %q, ours %q", got, want)
	}

	r := gitrepotest.NewRepo(t, map[string]string{"cm.yaml": cm("ours", ns, "a: b")})
	if res := gitops(t, "apply", r.Dir, "--applyset", "ours", "--applyset-namespace", ns); res.code != 0 {
		t.Fatalf("apply: %s", res)
	}
	out, err := run("apply", "-n", ns, "--server-side", "--prune", "--applyset=secret/ours", "-f", file)
	if err == nil || !strings.Contains(out, "kubectl-gitops") {
		t.Fatalf("kubectl should refuse our ApplySet naming its tooling; got err=%v\n%s", err, out)
	}
	// Members are found with the ApplySet label selector, as kubectl's pruning does.
	list, err := kube(t).CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{
		LabelSelector: inventory.LabelPartOf + "=" + inventory.Parent{Kind: "Secret", Namespace: ns, Name: "ours"}.ID()})
	if err != nil || len(list.Items) != 1 || list.Items[0].Name != "ours" {
		t.Fatalf("members by label: %v %v", list, err)
	}
}
