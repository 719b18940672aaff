package e2e

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// TestKustomizeErrorsDoNotLeakSecretValues: Kustomize errors that quote whole objects
// (nameref "found multiple possible referrals") or a value (replacement "out of bounds
// for value") show no value of a Secret or of a secretGenerator input in the render —
// not raw, not base64 — in plan's and apply's stdout and stderr, in any format, with
// debug logs.
func TestKustomizeErrorsDoNotLeakSecretValues(t *testing.T) {
	set := unique("kustleak")
	values := []string{"Hq7zGenLit9xWv", "Tq4kEnvTok2pRr", "Pz8mPlainVal3sQ", "Rx5nReplVal6tYu"}
	r := gitrepotest.NewRepo(t, map[string]string{
		// Two Secrets named creds, one generated, one plain, both referred to by a
		// cluster-scoped ClusterRole: Kustomize cannot choose and prints all three objects.
		"nameref/kustomization.yaml":   "resources:\n- a\n- b\n- role.yaml\n",
		"nameref/role.yaml":            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: " + set + "\nrules:\n- apiGroups: [\"\"]\n  resources: [secrets]\n  resourceNames: [creds]\n  verbs: [get]\n",
		"nameref/a/kustomization.yaml": "namespace: " + set + "-a\nsecretGenerator:\n- name: creds\n  literals:\n  - password=" + values[0] + "\n  envs:\n  - creds.env\n",
		"nameref/a/creds.env":          "TOKEN=" + values[1] + "\n",
		"nameref/b/kustomization.yaml": "namespace: " + set + "-b\nresources:\n- secret.yaml\n",
		"nameref/b/secret.yaml":        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ndata:\n  key: " + base64.StdEncoding.EncodeToString([]byte(values[2])) + "\n",
		// A replacement that takes part 3 of a Secret's value split at ".": Kustomize
		// quotes the whole value (base64) in its error.
		"replace/kustomization.yaml": "resources:\n- cm.yaml\nsecretGenerator:\n- name: s\n  literals:\n  - key=" + values[3] + "\n" +
			"replacements:\n- source:\n    kind: Secret\n    name: s\n    fieldPath: data.key\n    options:\n      delimiter: \".\"\n      index: 3\n" +
			"  targets:\n  - select:\n      kind: ConfigMap\n    fieldPaths:\n    - data.x\n",
		"replace/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: default\ndata:\n  x: y\n",
	})
	runs := [][]string{
		{"plan", "-v", r.Dir, "--applyset", set},
		{"plan", "-v", "-o", "json", r.Dir, "--applyset", set},
		{"plan", "-v", "-o", "markdown", r.Dir, "--applyset", set},
		{"apply", "-v", r.Dir, "--applyset", set},
	}
	for _, args := range runs {
		res := mustGitops(t, 2, args...)
		requireContainsAll(t, res.out+res.err, "found multiple possible referrals", "out of bounds for value")
		for _, v := range values {
			requireNoPart(t, strings.Join(args[:3], " "), res.out+res.err, v)
			requireNoPart(t, strings.Join(args[:3], " "), res.out+res.err, base64.StdEncoding.EncodeToString([]byte(v)))
		}
	}
	requireNothingWritten(t, set)
}

// requireNoPart fails when text holds 8 bytes or more of v in a row (a value printed
// in lines, as Kustomize prints long base64, leaks too).
func requireNoPart(t *testing.T, what, text, v string) {
	t.Helper()
	for i := 0; i+8 <= len(v); i++ {
		if part := v[i : i+8]; strings.Contains(text, part) {
			t.Errorf("%s printed %q of the secret value %q\n%s", what, part, v, text)
			return
		}
	}
}
