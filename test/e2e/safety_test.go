package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/inventory"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
)

// annotate sets an annotation in the cluster as another client would (kubectl annotate).
func annotate(t *testing.T, ns, name, key, value string) {
	t.Helper()
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, key, value)
	_, err := dyn(t).Resource(gvrConfigMap).Namespace(ns).Patch(context.Background(), name, types.MergePatchType,
		[]byte(patch), metav1.PatchOptions{FieldManager: "kubectl-annotate"})
	if err != nil {
		t.Fatalf("annotate %s/%s: %v", ns, name, err)
	}
}

func configMapData(t *testing.T, ns, name, key string) string {
	t.Helper()
	got, err := kube(t).CoreV1().ConfigMaps(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get ConfigMap %s/%s: %v", ns, name, err)
	}
	return got.Data[key]
}

// TestPruneRefusals: pruning everything (an empty render) and pruning more than
// --max-deletes are refused with exit 2 and delete nothing; the explicit flag allows it.
func TestPruneRefusals(t *testing.T) {
	cases := []struct {
		name    string
		keep    []string // ConfigMaps that stay in git
		remove  []string // ConfigMaps removed from git
		refuse  []string // flags under which the prune is refused
		want    string
		allowed []string // flags under which it goes ahead
	}{
		{
			name:    "empty-set",
			remove:  []string{"a", "b"},
			want:    "refusing to prune 2 objects: the rendered set is empty",
			allowed: []string{"--allow-empty"},
		},
		{
			name:    "max-deletes",
			keep:    []string{"keep"},
			remove:  []string{"a", "b", "c"},
			refuse:  []string{"--max-deletes", "2"},
			want:    "refusing to prune 3 objects: more than --max-deletes=2",
			allowed: []string{"--max-deletes", "3"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := unique("prune-" + tc.name)
			set := ns
			createNamespace(t, ns)
			files := map[string]string{}
			for _, n := range append(append([]string{}, tc.keep...), tc.remove...) {
				files[n+".yaml"] = configMapWith(n, ns, "k", "v", nil)
			}
			r := gitrepotest.NewRepo(t, files)
			mustGitops(t, 0, "apply", "--applyset", set, r.Dir)

			gone := map[string]string{}
			for _, n := range tc.remove {
				gone[n+".yaml"] = ""
			}
			r.Write(t, gone)
			r.Commit(t, "remove", nil)
			for _, verb := range []string{"plan", "apply"} {
				res := mustGitops(t, 2, append([]string{verb, "--applyset", set, r.Dir}, tc.refuse...)...)
				requireContainsAll(t, res.out, tc.want)
			}
			for _, n := range append(append([]string{}, tc.keep...), tc.remove...) {
				requireExists(t, gvrConfigMap, ns, n)
			}

			mustGitops(t, 0, append([]string{"apply", "--applyset", set, r.Dir}, tc.allowed...)...)
			for _, n := range tc.remove {
				requireAbsent(t, gvrConfigMap, ns, n)
			}
			for _, n := range tc.keep {
				requireExists(t, gvrConfigMap, ns, n)
			}
		})
	}
}

// TestGarbageCollectionIsConservative: a ConfigMap "victim" is applied and then removed
// from git, after the cluster was changed by others; only what this tool applied, still
// carries the set's label and is not marked ignore/sync_only in the cluster is deleted.
func TestGarbageCollectionIsConservative(t *testing.T) {
	cases := []struct {
		name string
		// tamper changes the cluster after the first apply.
		tamper   func(t *testing.T, ns string, parent inventory.Parent)
		args     []string
		wantPlan []string // NS stands for the case's namespace
		kept     []string
		gone     []string
	}{
		{
			name:     "control",
			wantPlan: []string{"delete  ConfigMap NS/victim"},
			gone:     []string{"victim"},
		},
		{
			// Created by someone else, with our part-of label copied onto it.
			name: "copied-label-create",
			tamper: func(t *testing.T, ns string, parent inventory.Parent) {
				u := &unstructured.Unstructured{Object: map[string]any{
					"apiVersion": "v1", "kind": "ConfigMap",
					"metadata": map[string]any{"name": "stranger", "namespace": ns,
						"labels": map[string]any{inventory.LabelPartOf: parent.ID()}},
					"data": map[string]any{"k": "v"},
				}}
				if _, err := dyn(t).Resource(gvrConfigMap).Namespace(ns).Create(context.Background(), u,
					metav1.CreateOptions{FieldManager: "someone-else"}); err != nil {
					t.Fatal(err)
				}
			},
			wantPlan: []string{"skip    ConfigMap NS/stranger",
				`never applied by field manager "kubectl-gitops"`, "delete  ConfigMap NS/victim"},
			kept: []string{"stranger"},
			gone: []string{"victim"},
		},
		{
			// Server-side applied by another tool, with our part-of label.
			name: "copied-label-apply",
			tamper: func(t *testing.T, ns string, parent inventory.Parent) {
				body := fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"stranger","namespace":%q,"labels":{%q:%q}},"data":{"k":"v"}}`,
					ns, inventory.LabelPartOf, parent.ID())
				if _, err := dyn(t).Resource(gvrConfigMap).Namespace(ns).Patch(context.Background(), "stranger", types.ApplyPatchType,
					[]byte(body), metav1.PatchOptions{FieldManager: "other-tool"}); err != nil {
					t.Fatal(err)
				}
			},
			wantPlan: []string{"skip    ConfigMap NS/stranger", "never applied by field manager"},
			kept:     []string{"stranger"},
			gone:     []string{"victim"},
		},
		{
			name: "sync-only-in-cluster",
			tamper: func(t *testing.T, ns string, _ inventory.Parent) {
				annotate(t, ns, "victim", object.AnnotationIgnore, object.IgnoreSyncOnly)
			},
			wantPlan: []string{"skip    ConfigMap NS/victim", "marked ignore or sync_only in the cluster"},
			kept:     []string{"victim"},
		},
		{
			name: "flux-ignore-in-cluster",
			tamper: func(t *testing.T, ns string, _ inventory.Parent) {
				annotate(t, ns, "victim", object.AnnotationFluxIgnore, object.IgnoreTrue)
			},
			wantPlan: []string{"skip    ConfigMap NS/victim", "marked ignore or sync_only in the cluster"},
			kept:     []string{"victim"},
		},
		{
			name: "prune-false",
			args: []string{"--prune=false"},
			kept: []string{"victim"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := unique("gc-" + tc.name)
			set := ns
			createNamespace(t, ns)
			r := gitrepotest.NewRepo(t, map[string]string{
				"keep.yaml":   configMapWith("keep", ns, "k", "v", nil),
				"victim.yaml": configMapWith("victim", ns, "k", "v", nil),
			})
			mustGitops(t, 0, "apply", "--applyset", set, r.Dir)
			if tc.tamper != nil {
				tc.tamper(t, ns, parentOf(set))
			}
			r.Write(t, map[string]string{"victim.yaml": ""})
			r.Commit(t, "remove victim", nil)

			wantCode := 0
			if len(tc.gone) > 0 {
				wantCode = 1
			}
			res := mustGitops(t, wantCode, append([]string{"plan", "--applyset", set, r.Dir}, tc.args...)...)
			for _, w := range tc.wantPlan {
				requireContainsAll(t, res.out, strings.ReplaceAll(w, "NS", ns))
			}
			mustGitops(t, 0, append([]string{"apply", "--applyset", set, r.Dir}, tc.args...)...)
			for _, n := range append([]string{"keep"}, tc.kept...) {
				requireExists(t, gvrConfigMap, ns, n)
			}
			for _, n := range tc.gone {
				requireAbsent(t, gvrConfigMap, ns, n)
			}
			// What was kept is kept for good: the next plan has nothing to do.
			mustGitops(t, 0, append([]string{"plan", "--applyset", set, r.Dir}, tc.args...)...)
		})
	}
}

// TestIgnoreAnnotations: ignore "true" in git skips the object (it is not created); in
// the cluster it skips the object (it is not updated). Both the tool's and Flux v1's
// annotation keys.
func TestIgnoreAnnotations(t *testing.T) {
	for _, key := range []string{object.AnnotationIgnore, object.AnnotationFluxIgnore} {
		t.Run(strings.Split(key, "/")[0], func(t *testing.T) {
			ns := unique("ignore-" + strings.ReplaceAll(strings.Split(key, "/")[0], ".", "-"))
			set := ns
			createNamespace(t, ns)
			r := gitrepotest.NewRepo(t, map[string]string{
				"in-git.yaml":     configMapWith("in-git", ns, "k", "v", map[string]string{key: "true"}),
				"in-cluster.yaml": configMapWith("in-cluster", ns, "color", "blue", nil),
			})
			res := mustGitops(t, 1, "plan", "--applyset", set, r.Dir)
			requireContainsAll(t, res.out, "skip    ConfigMap "+ns+"/in-git", `ignored in git`)
			mustGitops(t, 0, "apply", "--applyset", set, r.Dir)
			requireAbsent(t, gvrConfigMap, ns, "in-git")
			if got := configMapData(t, ns, "in-cluster", "color"); got != "blue" {
				t.Fatalf("in-cluster color = %q after apply", got)
			}

			annotate(t, ns, "in-cluster", key, "true")
			r.Write(t, map[string]string{"in-cluster.yaml": configMapWith("in-cluster", ns, "color", "green", nil)})
			r.Commit(t, "change an object ignored in the cluster", nil)
			res = mustGitops(t, 0, "plan", "--applyset", set, r.Dir)
			requireContainsAll(t, res.out, "skip    ConfigMap "+ns+"/in-cluster", "ignored in the cluster")
			mustGitops(t, 0, "apply", "--applyset", set, r.Dir)
			if got := configMapData(t, ns, "in-cluster", "color"); got != "blue" {
				t.Errorf("in-cluster color = %q, want it left blue (ignored in the cluster)", got)
			}
			requireAbsent(t, gvrConfigMap, ns, "in-git")
		})
	}
}

// TestFieldsAbsentFromGitAreNotTakenOver: a Deployment without spec.replicas in git
// keeps the replicas another field manager (an HPA) sets, across plans and applies.
func TestFieldsAbsentFromGitAreNotTakenOver(t *testing.T) {
	cases := []struct {
		name  string
		scale func(t *testing.T, ns, name string)
	}{
		{"scale-subresource", func(t *testing.T, ns, name string) {
			ctx := context.Background()
			s, err := kube(t).AppsV1().Deployments(ns).GetScale(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			s.Spec.Replicas = 5
			if _, err := kube(t).AppsV1().Deployments(ns).UpdateScale(ctx, name,
				&autoscalingv1.Scale{ObjectMeta: s.ObjectMeta, Spec: s.Spec},
				metav1.UpdateOptions{FieldManager: "hpa-sim"}); err != nil {
				t.Fatal(err)
			}
		}},
		{"update", func(t *testing.T, ns, name string) {
			ctx := context.Background()
			d, err := kube(t).AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			d.Spec.Replicas = ptr.To(int32(5))
			if _, err := kube(t).AppsV1().Deployments(ns).Update(ctx, d, metav1.UpdateOptions{FieldManager: "hpa-sim"}); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := unique("hpa-" + tc.name)
			set := ns
			createNamespace(t, ns)
			r := gitrepotest.NewRepo(t, map[string]string{"web.yaml": deploymentYAML("web", ns, -1, "nginx:1.27")})
			args := []string{"--applyset", set, r.Dir}
			mustGitops(t, 0, append([]string{"apply"}, args...)...)

			tc.scale(t, ns, "web")
			replicas := func() int32 {
				d, err := kube(t).AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				return ptr.Deref(d.Spec.Replicas, -1)
			}
			if got := replicas(); got != 5 {
				t.Fatalf("replicas = %d after scaling", got)
			}

			mustGitops(t, 0, append([]string{"plan"}, args...)...)
			mustGitops(t, 0, append([]string{"apply"}, args...)...)
			if got := replicas(); got != 5 {
				t.Errorf("replicas = %d after a no-op apply, want 5", got)
			}

			// A real change to the Deployment leaves the replicas alone too.
			r.Write(t, map[string]string{"web.yaml": deploymentYAML("web", ns, -1, "nginx:1.28")})
			r.Commit(t, "bump", nil)
			res := mustGitops(t, 1, append([]string{"plan"}, args...)...)
			if strings.Contains(res.out, "replicas") {
				t.Errorf("the plan touches replicas\n%s", res)
			}
			mustGitops(t, 0, append([]string{"apply"}, args...)...)
			d, err := kube(t).AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if img := d.Spec.Template.Spec.Containers[0].Image; img != "nginx:1.28" || ptr.Deref(d.Spec.Replicas, -1) != 5 {
				t.Errorf("after the bump: image %s replicas %d, want nginx:1.28 and 5", img, ptr.Deref(d.Spec.Replicas, -1))
			}
			mustGitops(t, 0, append([]string{"plan"}, args...)...)
		})
	}
}

func secretYAML(name, ns, password, token string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata:
  name: %s
  namespace: %s
type: Opaque
data:
  password: %s
stringData:
  token: %s
`, name, ns, base64.StdEncoding.EncodeToString([]byte(password)), token)
}

// TestSecretValuesNeverPrinted: neither plan nor apply, in any output format, with
// debug logging, prints a Secret's values (from data or stringData), plain or base64;
// a change names the changed keys.
func TestSecretValuesNeverPrinted(t *testing.T) {
	ns := unique("secret-mask")
	set := ns
	createNamespace(t, ns)
	old := []string{"hunter2-data-value-one", "tok-stringdata-value-one"}
	neu := []string{"hunter2-data-value-two", "tok-stringdata-value-two"}
	var forbidden []string
	for _, v := range append(append([]string{}, old...), neu...) {
		forbidden = append(forbidden, v, base64.StdEncoding.EncodeToString([]byte(v)), base64.RawStdEncoding.EncodeToString([]byte(v)))
	}
	noLeak := func(t *testing.T, what string, res result) {
		t.Helper()
		for _, f := range forbidden {
			if strings.Contains(res.out, f) || strings.Contains(res.err, f) {
				t.Errorf("%s printed a secret value %q\n%s", what, f, res)
			}
		}
	}
	// The Secret in a namespace of the same change is planned unverified: its diff is
	// made from git, not from the server's dry-run, and is masked too.
	r := gitrepotest.NewRepo(t, map[string]string{
		"secret.yaml":     secretYAML("creds", ns, old[0], old[1]),
		"keep.yaml":       configMapWith("keep", ns, "k", "v", nil),
		"new/ns.yaml":     namespaceYAML(ns + "-new"),
		"new/secret.yaml": secretYAML("creds", ns+"-new", old[0], old[1]),
	})
	args := []string{"--applyset", set, r.Dir}
	formats := []string{"text", "json", "markdown"}

	for _, f := range formats {
		res := mustGitops(t, 1, append([]string{"plan", "-v", "-o", f}, args...)...)
		noLeak(t, "plan -o "+f, res)
		requireContainsAll(t, res.out, "password", "token", "unverifiable until the namespace "+ns+"-new exists")
	}
	res := mustGitops(t, 0, append([]string{"apply", "-v"}, args...)...)
	noLeak(t, "apply", res)
	requireExists(t, gvrSecret, ns+"-new", "creds")
	s, err := kube(t).CoreV1().Secrets(ns).Get(context.Background(), "creds", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(s.Data["password"]) != old[0] || string(s.Data["token"]) != old[1] {
		t.Fatal("the Secret was not applied with its values")
	}
	mustGitops(t, 0, append([]string{"plan"}, args...)...)

	r.Write(t, map[string]string{"secret.yaml": secretYAML("creds", ns, neu[0], neu[1])})
	r.Commit(t, "rotate", nil)
	for _, f := range formats {
		for _, verb := range []string{"plan", "apply --dry-run"} {
			cmd := append(strings.Fields(verb), "-v", "-o", f)
			res := gitops(t, append(cmd, args...)...)
			if want := map[string]int{"plan": 1, "apply --dry-run": 0}[verb]; res.code != want {
				t.Fatalf("%s -o %s: want exit %d\n%s", verb, f, want, res)
			}
			noLeak(t, verb+" -o "+f, res)
			requireContainsAll(t, res.out, "password", "token", "masked: changed")
		}
	}
	for _, f := range formats {
		// The Secret changes once; the other applies report it unchanged.
		res := mustGitops(t, 0, append([]string{"apply", "-v", "-o", f}, args...)...)
		noLeak(t, "apply -o "+f, res)
	}
	s, err = kube(t).CoreV1().Secrets(ns).Get(context.Background(), "creds", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(s.Data["password"]) != neu[0] || string(s.Data["token"]) != neu[1] {
		t.Fatal("the Secret was not updated")
	}

	// Pruning shows the deleted Secret, masked.
	r.Write(t, map[string]string{"secret.yaml": ""})
	r.Commit(t, "remove the Secret", nil)
	for _, f := range formats {
		res := mustGitops(t, 1, append([]string{"plan", "-v", "-o", f}, args...)...)
		noLeak(t, "plan of the prune -o "+f, res)
		requireContainsAll(t, res.out, "delete", "creds", "password", "token")
	}
	res = mustGitops(t, 0, append([]string{"apply", "-v"}, args...)...)
	noLeak(t, "apply of the prune", res)
	requireAbsent(t, gvrSecret, ns, "creds")
}

// TestApplySetLock: a live lock held by another apply refuses the apply (exit 2, naming
// the holder) before anything is written; an expired one is taken over.
func TestApplySetLock(t *testing.T) {
	cases := []struct {
		name    string
		renewed time.Duration // how long ago the other holder renewed the lease
		locked  bool
	}{
		{name: "held", renewed: 0, locked: true},
		{name: "expired", renewed: 2 * time.Hour},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := unique("lock-" + tc.name)
			set := ns
			createNamespace(t, ns)
			parent := parentOf(set)
			holder := "ci-runner-7/4242"
			at := metav1.NewMicroTime(time.Now().Add(-tc.renewed))
			_, err := kube(t).CoordinationV1().Leases(parent.Namespace).Create(context.Background(), &coordinationv1.Lease{
				ObjectMeta: metav1.ObjectMeta{Name: parent.LeaseName(), Namespace: parent.Namespace},
				Spec: coordinationv1.LeaseSpec{
					HolderIdentity:       ptr.To(holder),
					LeaseDurationSeconds: ptr.To(int32(3600)),
					AcquireTime:          &at,
					RenewTime:            &at,
				},
			}, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			r := gitrepotest.NewRepo(t, map[string]string{"cm.yaml": configMapWith("settings", ns, "k", "v", nil)})

			res := gitops(t, "apply", "--applyset", set, r.Dir)
			lease, lerr := kube(t).CoordinationV1().Leases(parent.Namespace).Get(context.Background(), parent.LeaseName(), metav1.GetOptions{})
			if !tc.locked {
				if res.code != 0 {
					t.Fatalf("apply with an expired lock: %s", res)
				}
				requireExists(t, gvrConfigMap, ns, "settings")
				if !apierrors.IsNotFound(lerr) {
					t.Errorf("the lock was not released after the apply: %v %v", lease, lerr)
				}
				return
			}
			if res.code != 2 {
				t.Fatalf("apply of a locked set: want exit 2\n%s", res)
			}
			requireContainsAll(t, res.err, parent.String()+` is being applied by "`+holder+`"`)
			requireAbsent(t, gvrConfigMap, ns, "settings")
			requireAbsent(t, gvrSecret, parent.Namespace, parent.Name)
			if lerr != nil || ptr.Deref(lease.Spec.HolderIdentity, "") != holder {
				t.Errorf("the other holder's lock was touched: %v %v", lease, lerr)
			}
		})
	}
}

// TestRemovedNamespaceIsDeleted: a Namespace removed from git is pruned, and the
// namespace controller then removes it with its contents.
func TestRemovedNamespaceIsDeleted(t *testing.T) {
	set := unique("nsprune")
	keepNS, goneNS := set+"-keep", set+"-gone"
	createNamespace(t, keepNS)
	r := gitrepotest.NewRepo(t, map[string]string{
		"keep.yaml":      configMapWith("keep", keepNS, "k", "v", nil),
		"gone/ns.yaml":   namespaceYAML(goneNS),
		"gone/cm.yaml":   configMapWith("settings", goneNS, "k", "v", nil),
		"gone/cm2.yaml":  configMapWith("more", goneNS, "k", "v", nil),
		"gone/README.md": "removed below",
	})
	args := []string{"--applyset", set, r.Dir}
	mustGitops(t, 0, append([]string{"apply"}, args...)...)
	requireExists(t, gvrConfigMap, goneNS, "settings")

	r.Write(t, map[string]string{"gone/ns.yaml": "", "gone/cm.yaml": "", "gone/cm2.yaml": "", "gone/README.md": ""})
	r.Commit(t, "remove the namespace", nil)
	res := mustGitops(t, 1, append([]string{"plan"}, args...)...)
	requireContainsAll(t, res.out, "delete  Namespace "+goneNS, "delete  ConfigMap "+goneNS+"/settings")
	mustGitops(t, 0, append([]string{"apply"}, args...)...)
	eventually(t, 2*time.Minute, "namespace "+goneNS+" deleted", func() (bool, error) {
		_, err := kube(t).CoreV1().Namespaces().Get(context.Background(), goneNS, metav1.GetOptions{})
		return apierrors.IsNotFound(err), err
	})
	requireExists(t, gvrConfigMap, keepNS, "keep")
	mustGitops(t, 0, append([]string{"plan"}, args...)...)
}

// secretValueCases are Secrets whose values the API server echoes in its error: a
// wrongly typed value. TestSecretValuesNotEchoedInApplyErrors takes the first two.
var secretValueCases = []struct {
	name   string
	values string // the data/stringData part of the Secret
	field  string
	hidden []string
}{
	{"number-in-stringdata", "stringData:\n  pin: 987654321\n", ".stringData.pin", []string{"987654321"}},
	{"list-in-data", "data:\n  pw:\n  - c2Vrcml0LWluLWEtbGlzdA==\n", ".data.pw",
		[]string{"c2Vrcml0LWluLWEtbGlzdA==", "sekrit-in-a-list"}},
	{"map-in-stringdata", "stringData:\n  pw:\n    nested: sekrit-in-a-map\n", ".stringData.pw", []string{"sekrit-in-a-map"}},
}

// TestSecretValuesNotEchoedInApplyErrors: a Secret in a namespace that the same change
// creates cannot be dry-run before the namespace exists; the executor validates it
// after creating the namespace, and the server's error, which echoes the wrongly typed
// value, is shown without it in every output format.
func TestSecretValuesNotEchoedInApplyErrors(t *testing.T) {
	for _, tc := range secretValueCases[:2] {
		for _, f := range []string{"text", "json", "markdown"} {
			t.Run(tc.name+"-"+f, func(t *testing.T) {
				ns := unique("secret-apply-" + f)
				r := gitrepotest.NewRepo(t, map[string]string{
					"ns.yaml": namespaceYAML(ns),
					"secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: " + tc.name +
						"\n  namespace: " + ns + "\n" + tc.values,
				})
				args := []string{"-v", "-o", f, "--applyset", ns, r.Dir}
				res := mustGitops(t, 1, append([]string{"plan"}, args...)...)
				requireContainsAll(t, res.out, "unverifiable until the namespace "+ns+" exists")
				res = mustGitops(t, 1, append([]string{"apply"}, args...)...)
				requireContainsAll(t, res.out, ns, tc.name, "secret.yaml", "validate:", tc.field)
				for _, h := range tc.hidden {
					if strings.Contains(res.out+res.err, h) {
						t.Errorf("apply -o %s printed the secret value %q\n%s", f, h, res)
					}
				}
				requireExists(t, gvrNamespace, "", ns)
				requireAbsent(t, gvrSecret, ns, tc.name)
			})
		}
	}
}

// TestSecretValuesNotEchoedInErrors: the API server echoes a wrongly typed value in its
// error; the problem names the object and the field, never the value.
func TestSecretValuesNotEchoedInErrors(t *testing.T) {
	ns := unique("secret-errors")
	createNamespace(t, ns)
	for _, tc := range secretValueCases {
		t.Run(tc.name, func(t *testing.T) {
			set := ns + "-" + tc.name
			r := gitrepotest.NewRepo(t, map[string]string{"secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: " + tc.name +
				"\n  namespace: " + ns + "\n" + tc.values})
			for _, f := range []string{"text", "json", "markdown"} {
				for _, verb := range []string{"plan", "apply"} {
					res := mustGitops(t, 2, verb, "-v", "-o", f, "--applyset", set, r.Dir)
					requireContainsAll(t, res.out, ns, tc.name, "secret.yaml", tc.field)
					if f != "json" {
						requireContainsAll(t, res.out, "Secret "+ns+"/"+tc.name)
					}
					for _, h := range tc.hidden {
						if strings.Contains(res.out+res.err, h) {
							t.Errorf("%s -o %s printed the secret value %q\n%s", verb, f, h, res)
						}
					}
				}
			}
			requireAbsent(t, gvrSecret, ns, tc.name)
			requireNothingWritten(t, set)
		})
	}
}
