package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// TestOfflinePlan plans a branch against its base without a cluster: the kubeconfig
// points at a closed port, so any request to a cluster would fail the command.
func TestOfflinePlan(t *testing.T) {
	secret := func(v string) string {
		return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: shop\nstringData:\n  password: " + v + "\n"
	}
	r := gitrepotest.NewRepo(t, map[string]string{
		"deploy/base/cm.yaml":            configMapWith("settings", "shop", "color", "blue", nil),
		"deploy/base/gone.yaml":          configMapWith("old", "shop", "k", "v", nil),
		"deploy/base/secret.yaml":        secret("hunter2-base-value"),
		"deploy/base/kustomization.yaml": "resources: [cm.yaml, gone.yaml, secret.yaml]\n",
		"deploy/dev/kustomization.yaml":  "resources: [../base]\n",
	})
	r.Git(t, "checkout", "-q", "-b", "feature")
	r.Write(t, map[string]string{
		"deploy/base/cm.yaml":            configMapWith("settings", "shop", "color", "green", nil),
		"deploy/base/gone.yaml":          "",
		"deploy/base/new.yaml":           configMapWith("fresh", "shop", "k", "v", nil),
		"deploy/base/secret.yaml":        secret("hunter2-head-value"),
		"deploy/base/kustomization.yaml": "resources: [cm.yaml, new.yaml, secret.yaml]\n",
	})
	r.Commit(t, "feature", nil)
	kc := writeKubeconfig(t, closedLoopbackURL(t), "unused")

	res := gitopsKubeconfig(t, kc, "plan", r.Dir+"/deploy/dev", "--base", "main")
	if res.code != 1 {
		t.Fatalf("offline plan: want exit 1 (changes)\n%s", res)
	}
	requireContainsAll(t, collapseSpaces(res.out),
		"~ update ConfigMap shop/settings", "+ create ConfigMap shop/fresh", "- delete ConfigMap shop/old",
		"~ update Secret shop/creds", "+ color: green", "Plan: 1 to create, 2 to update, 1 to delete")
	for _, s := range []string{"hunter2"} {
		if strings.Contains(res.out+res.err, s) {
			t.Fatalf("a Secret value is in the output:\n%s", res)
		}
	}
	// JSON, and the same plan from the top with --path.
	res = gitopsKubeconfig(t, kc, "plan", r.Dir, "--path", "deploy/dev", "--base", "main", "-o", "json")
	var p struct {
		Changes []struct{ Action string } `json:"changes"`
	}
	if err := json.Unmarshal([]byte(res.out), &p); err != nil || len(p.Changes) != 4 {
		t.Fatalf("json: %v\n%s", err, res)
	}
	// A base that does not exist is a clear error.
	res = gitopsKubeconfig(t, kc, "plan", r.Dir, "--base", "no-such-branch")
	if res.code != 2 || !strings.Contains(res.err, "no-such-branch") {
		t.Fatalf("unknown base: %s", res)
	}
}
