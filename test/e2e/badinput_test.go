package e2e

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/inventory"
)

// TestBadInputWritesNothing: every kind of bad input fails plan and apply with exit 2
// and an error naming the file:line and/or the object, and nothing of the same repo is
// written: not the valid objects next to the bad one, not the ApplySet parent, not the
// lock.
func TestBadInputWritesNothing(t *testing.T) {
	cases := []struct {
		name string
		// bad are files added next to the valid ones; NS is replaced by the case's namespace.
		bad map[string]string
		// args are extra flags; NS is replaced by the case's namespace.
		args []string
		// source returns the SOURCE argument (default: the work tree).
		source func(r *gitrepotest.Repo) string
		// kubeconfig returns the kubeconfig to use (default: the test cluster's).
		kubeconfig func(t *testing.T) string
		want       []string
	}{
		{
			name: "malformed-yaml",
			bad: map[string]string{"bad/broken.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: broken
  namespace: NS
data:
  a: b
   c: d
`},
			want: []string{"bad/broken.yaml:8", "invalid YAML"},
		},
		{
			name: "unknown-kind",
			bad: map[string]string{"bad/gizmo.yaml": `# no CRD defines this kind
apiVersion: nothere.example.com/v1
kind: Gizmo
metadata:
  name: g
  namespace: NS
`},
			want: []string{"bad/gizmo.yaml:2", "Gizmo.nothere.example.com NS/g", "unknown kind"},
		},
		{
			name: "wrong-type",
			bad: map[string]string{"bad/deploy.yaml": strings.Replace(deploymentYAML("web", "NS", 1, "nginx:1"),
				"replicas: 1", `replicas: "three"`, 1)},
			want: []string{"bad/deploy.yaml:1", "Deployment.apps NS/web", ".spec.replicas", "expected numeric"},
		},
		{
			name: "unknown-field",
			bad: map[string]string{"bad/deploy.yaml": strings.Replace(deploymentYAML("web", "NS", 1, "nginx:1"),
				"replicas: 1", `replicaz: 1`, 1)},
			want: []string{"bad/deploy.yaml:1", "Deployment.apps NS/web", ".spec.replicaz", "field not declared in schema"},
		},
		{
			name: "invalid-value",
			bad:  map[string]string{"bad/cm.yaml": "---\n" + configMapWith("badkey", "NS", "not a valid key", "v", nil)},
			want: []string{"bad/cm.yaml:2", "ConfigMap NS/badkey", "Invalid value", "not a valid key"},
		},
		{
			name: "defined-twice",
			bad: map[string]string{
				"a/one.yaml": configMapWith("twice", "NS", "k", "1", nil),
				"b/two.yaml": "# the same object again\n" + configMapWith("twice", "NS", "k", "2", nil),
			},
			want: []string{"a/one.yaml:1", "b/two.yaml:2", "ConfigMap NS/twice", "defined twice"},
		},
		{
			name: "namespace-not-allowed",
			bad:  map[string]string{"bad/elsewhere.yaml": configMapWith("stray", "kube-system", "k", "v", nil)},
			args: []string{"--allow-namespace", "NS", "--allow-namespace", "NS-new"},
			want: []string{"bad/elsewhere.yaml:1", "ConfigMap kube-system/stray", `namespace "kube-system" is not allowed`},
		},
		{
			name: "unreachable-cluster",
			kubeconfig: func(t *testing.T) string {
				return writeKubeconfig(t, closedLoopbackURL(t), "x")
			},
			want: []string{"cannot reach the cluster at https://127.0.0.1:", "connection refused"},
		},
		{
			name: "unauthorized",
			kubeconfig: func(t *testing.T) string {
				return writeKubeconfig(t, cluster.Config.Host, "not-the-token")
			},
			want: []string{"the cluster at " + cluster.Config.Host + " refused the credentials", "401 Unauthorized"},
		},
		{
			name: "ref-not-found-local",
			args: []string{"--ref", "nope"},
			want: []string{`git ref "nope" not found`},
		},
		{
			name:   "ref-not-found-url",
			args:   []string{"--ref", "nope"},
			source: func(r *gitrepotest.Repo) string { return "file://" + r.Dir },
			want:   []string{`git ref "nope" not found in file://`},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := unique("bad-" + tc.name)
			set := ns
			createNamespace(t, ns)
			files := map[string]string{
				"ok/ns.yaml": namespaceYAML(ns + "-new"),
				"ok/cm.yaml": configMapWith("valid", ns, "k", "v", nil),
			}
			for name, body := range tc.bad {
				files[name] = strings.ReplaceAll(body, "NS", ns)
			}
			r := gitrepotest.NewRepo(t, files)
			source := r.Dir
			if tc.source != nil {
				source = tc.source(r)
			}
			run := gitops
			if tc.kubeconfig != nil {
				kc := tc.kubeconfig(t)
				run = func(t *testing.T, args ...string) result { return gitopsKubeconfig(t, kc, args...) }
			}
			var want []string
			for _, w := range tc.want {
				want = append(want, strings.ReplaceAll(w, "NS", ns))
			}
			for _, verb := range []string{"plan", "apply"} {
				args := []string{verb, "--applyset", set, source}
				for _, a := range tc.args {
					args = append(args, strings.ReplaceAll(a, "NS", ns))
				}
				res := run(t, args...)
				if res.code != 2 {
					t.Errorf("%s: want exit 2\n%s", verb, res)
				}
				requireContainsAll(t, res.out+res.err, want...)
			}
			requireAbsent(t, gvrConfigMap, ns, "valid")
			requireAbsent(t, gvrNamespace, "", ns+"-new")
			requireNothingWritten(t, set)
		})
	}
}

// TestServerSideApplyIsStrictAboutUnknownFields pins down the server behaviour the
// "unknown-field" case relies on: the engine sends no fieldValidation, and server-side
// apply refuses a field the schema does not declare whatever fieldValidation says (the
// patch is converted to a typed object first), so nothing is silently dropped.
func TestServerSideApplyIsStrictAboutUnknownFields(t *testing.T) {
	body := []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"strict-probe","namespace":"default"},"dta":{"a":"b"}}`)
	for _, fv := range []string{"", metav1.FieldValidationIgnore, metav1.FieldValidationWarn, metav1.FieldValidationStrict} {
		t.Run("fieldValidation="+fv, func(t *testing.T) {
			_, err := dyn(t).Resource(gvrConfigMap).Namespace("default").Patch(context.Background(), "strict-probe",
				types.ApplyPatchType, body, metav1.PatchOptions{FieldManager: "probe", DryRun: []string{metav1.DryRunAll}, FieldValidation: fv})
			if err == nil || !strings.Contains(err.Error(), ".dta: field not declared in schema") {
				t.Fatalf("server-side apply of an unknown field: %v, want field not declared in schema", err)
			}
		})
	}
}

// TestBadInputKeepsAppliedState: when a later commit breaks one file, apply refuses the
// whole commit: a valid change next to it is not applied, the objects of the broken
// file are not pruned, and the recorded revision stays the last one applied.
func TestBadInputKeepsAppliedState(t *testing.T) {
	ns := unique("bad-later")
	set := ns
	createNamespace(t, ns)
	r := gitrepotest.NewRepo(t, map[string]string{
		"a.yaml": configMapWith("a", ns, "color", "blue", nil),
		"b.yaml": configMapWith("b", ns, "k", "v", nil),
	})
	rev := r.Commit(t, "applied", nil)
	mustGitops(t, 0, "apply", "--applyset", set, r.Dir)

	r.Write(t, map[string]string{
		"a.yaml": configMapWith("a", ns, "color", "green", nil),
		"b.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  namespace: " + ns + "\ndata: [\n",
	})
	r.Commit(t, "break b", nil)
	for _, verb := range []string{"plan", "apply"} {
		res := mustGitops(t, 2, verb, "--applyset", set, r.Dir)
		requireContainsAll(t, res.out, "b.yaml:", "invalid YAML", "nothing will be applied")
	}
	if got := configMapData(t, ns, "a", "color"); got != "blue" {
		t.Errorf("a.color = %q, want the applied blue", got)
	}
	requireExists(t, gvrConfigMap, ns, "b")
	p := parentOf(set)
	sec, err := kube(t).CoreV1().Secrets(p.Namespace).Get(context.Background(), p.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := sec.Annotations[inventory.AnnotationLastRevision]; got != rev {
		t.Errorf("recorded revision %s, want %s (the last applied)", got, rev)
	}
}
