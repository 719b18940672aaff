package plan

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pmezard/go-difflib/difflib"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/inventory"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
)

func TestNormalize(t *testing.T) {
	if Normalize(nil) != nil {
		t.Fatal("Normalize(nil) is not nil")
	}
	tests := []struct {
		name string
		in   string
		want string
	}{{
		name: "server noise and status removed, the rest kept",
		in: `
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  namespace: shop
  managedFields: [{manager: kubectl, operation: Apply}]
  resourceVersion: "99"
  uid: 1f6c
  generation: 4
  creationTimestamp: "2024-05-01T10:00:00Z"
  selfLink: /api/v1/namespaces/shop/configmaps/cfg
  deletionTimestamp: "2024-05-02T10:00:00Z"
  deletionGracePeriodSeconds: 30
  labels: {app: shop}
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"data":{"a":"b"}}'
    deployment.kubernetes.io/revision: "3"
    team: payments
data: {a: b}
status: {phase: Ready}
`,
		want: `
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  namespace: shop
  labels: {app: shop}
  annotations: {team: payments}
data: {a: b}
`,
	}, {
		name: "annotations emptied by removal are dropped, as are empty labels",
		in: `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {}
  annotations: {deployment.kubernetes.io/revision: "1"}
spec: {replicas: 1}
`,
		want: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {replicas: 1}
`,
	}, {
		name: "nothing to remove",
		in:   `{apiVersion: v1, kind: Namespace, metadata: {name: shop}}`,
		want: `{apiVersion: v1, kind: Namespace, metadata: {name: shop}}`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := obj(t, tc.in)
			orig := in.DeepCopy()
			got := Normalize(in)
			if want := obj(t, tc.want); !reflect.DeepEqual(got.Object, want.Object) {
				t.Errorf("Normalize:\n got %v\nwant %v", got.Object, want.Object)
			}
			if !reflect.DeepEqual(in.Object, orig.Object) {
				t.Error("Normalize changed its input")
			}
		})
	}
}

func TestEqual(t *testing.T) {
	web := deployment(t, "shop/web:1.0", 2)
	floatReplicas := web.DeepCopy() // as decoded by encoding/json without UseNumber
	floatReplicas.Object["spec"].(map[string]interface{})["replicas"] = 2.0
	tests := []struct {
		name          string
		before, after *unstructured.Unstructured
		want          bool
	}{
		{"identical", web, web.DeepCopy(), true},
		{"differ only in server noise", withNoise(t, web), web, true},
		{"noise on both sides", withNoise(t, web), withNoise(t, web), true},
		{"int64 and float64 numbers", web, floatReplicas, true},
		{"image changed", withNoise(t, web), deployment(t, "shop/web:1.1", 2), false},
		{"replicas changed", web, deployment(t, "shop/web:1.0", 3), false},
		{"label added", web, func() *unstructured.Unstructured {
			u := web.DeepCopy()
			u.SetLabels(map[string]string{"app": "web", "tier": "front"})
			return u
		}(), false},
		{"both nil", nil, nil, true},
		{"create", nil, web, false},
		{"delete", web, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Equal(tc.before, tc.after); got != tc.want {
				t.Errorf("Equal = %v, want %v", got, tc.want)
			}
			if got := Equal(tc.after, tc.before); got != tc.want {
				t.Errorf("Equal (swapped) = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestUnifiedDiff(t *testing.T) {
	web := deployment(t, "shop/web:1.0", 2)
	tests := []struct {
		name          string
		before, after *unstructured.Unstructured
		want          string
	}{{
		name:   "image bump, noise hidden",
		before: withNoise(t, web),
		after:  deployment(t, "shop/web:1.1", 2),
		want: `--- live/Deployment.apps shop/web
+++ git/Deployment.apps shop/web
@@ -16,7 +16,7 @@
         app: web
     spec:
       containers:
-      - image: shop/web:1.0
+      - image: shop/web:1.1
         name: web
         ports:
         - containerPort: 8080
`,
	}, {
		name:   "equal after normalization",
		before: withNoise(t, web),
		after:  web,
		want:   "",
	}, {
		name:   "create",
		before: nil,
		after:  obj(t, `{apiVersion: v1, kind: ConfigMap, metadata: {name: cfg, namespace: shop}, data: {a: b}}`),
		want: `--- live/ConfigMap shop/cfg
+++ git/ConfigMap shop/cfg
@@ -0,0 +1,7 @@
+apiVersion: v1
+data:
+  a: b
+kind: ConfigMap
+metadata:
+  name: cfg
+  namespace: shop
`,
	}, {
		name:   "delete",
		before: obj(t, `{apiVersion: v1, kind: Namespace, metadata: {name: old, uid: x1}, status: {phase: Active}}`),
		after:  nil,
		want: `--- live/Namespace old
+++ git/Namespace old
@@ -1,4 +0,0 @@
-apiVersion: v1
-kind: Namespace
-metadata:
-  name: old
`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := mustDiff(t, tc.before, tc.after)
			if got != tc.want {
				t.Errorf("diff:\n%s\nwant:\n%s", got, tc.want)
			}
			if again := mustDiff(t, tc.before, tc.after); again != got {
				t.Error("diff is not deterministic")
			}
		})
	}
}

// A long object made of repeated lines (long lists, CRD schemas) must still get a
// small diff: difflib's popular-line heuristic would turn this one into a replace of
// half the list.
func TestUnifiedDiffRepeatedLines(t *testing.T) {
	items := make([]interface{}, 300)
	for i := range items {
		items[i] = "same"
	}
	before := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "example.com/v1", "kind": "List",
		"metadata": map[string]interface{}{"name": "l"},
		"spec":     map[string]interface{}{"items": items},
	}}
	after := before.DeepCopy()
	longer := append(append(append([]interface{}{}, items[:150]...), "different"), items[150:]...)
	if err := unstructured.SetNestedSlice(after.Object, longer, "spec", "items"); err != nil {
		t.Fatal(err)
	}

	d := mustDiff(t, before, after)
	var changed []string
	for _, l := range strings.Split(d, "\n") {
		if (strings.HasPrefix(l, "+") || strings.HasPrefix(l, "-")) && !strings.HasPrefix(l, "+++") && !strings.HasPrefix(l, "---") {
			changed = append(changed, l)
		}
	}
	if want := []string{"+  - different"}; !reflect.DeepEqual(changed, want) {
		t.Errorf("changed lines = %q, want %q", changed, want)
	}
}

func TestUnifiedDiffUsesIDInHeaders(t *testing.T) {
	id := object.ID{Group: "apps", Kind: "Deployment", Namespace: "shop", Name: "web"}
	d, err := UnifiedDiff(id, deployment(t, "a:1", 1), deployment(t, "a:2", 1))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d, "--- live/Deployment.apps shop/web\n+++ git/Deployment.apps shop/web\n@@ ") {
		t.Errorf("headers:\n%s", d)
	}
}

// The hunks unifiedDiff writes must turn the old lines into the new ones.
func TestUnifiedDiffApplies(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a\n", "b\n", "c\n", "  - x\n", "  - y\n"}
	randomLines := func() []string {
		lines := make([]string, rng.IntN(40))
		for i := range lines {
			lines[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return lines
	}
	for i := 0; i < 500; i++ {
		a, b := randomLines(), randomLines()
		if rng.IntN(3) == 0 { // small edits of a long shared text
			b = append(append([]string{}, a...), "z\n")
			if len(b) > 3 {
				b[len(b)/2] = "changed\n"
			}
		}
		d := unifiedDiff(a, b, "old", "new")
		got, err := applyUnified(a, d)
		if err != nil {
			t.Fatalf("case %d: %v\n%s", i, err, d)
		}
		if !reflect.DeepEqual(got, b) && !(len(got) == 0 && len(b) == 0) {
			t.Fatalf("case %d: patch gives %q, want %q\n%s", i, got, b, d)
		}
		if (d == "") != slices.Equal(a, b) {
			t.Fatalf("case %d: empty diff %v for equal=%v", i, d == "", slices.Equal(a, b))
		}
	}
}

// applyUnified applies a unified diff to lines.
func applyUnified(lines []string, diff string) ([]string, error) {
	if diff == "" {
		return lines, nil
	}
	dl := strings.SplitAfter(strings.TrimSuffix(diff, "\n"), "\n")
	if len(dl) > 0 {
		dl[len(dl)-1] += "\n"
	}
	if len(dl) < 2 || !strings.HasPrefix(dl[0], "--- ") || !strings.HasPrefix(dl[1], "+++ ") {
		return nil, fmt.Errorf("no header")
	}
	var out []string
	pos := 0
	for i := 2; i < len(dl); {
		var start, n, start2, n2 int
		if _, err := fmt.Sscanf(expandRange(dl[i]), "@@ -%d,%d +%d,%d @@", &start, &n, &start2, &n2); err != nil {
			return nil, fmt.Errorf("hunk header %q: %v", dl[i], err)
		}
		if n > 0 {
			start-- // 1-based, and an empty range names the line before it
		}
		if start < pos {
			return nil, fmt.Errorf("hunks overlap at %q", dl[i])
		}
		out = append(out, lines[pos:start]...)
		pos = start
		for i++; i < len(dl) && !strings.HasPrefix(dl[i], "@@"); i++ {
			l := dl[i]
			switch l[0] {
			case ' ', '-':
				if pos >= len(lines) || lines[pos] != l[1:] {
					return nil, fmt.Errorf("context %q does not match line %d", l, pos+1)
				}
				if l[0] == ' ' {
					out = append(out, l[1:])
				}
				pos++
			case '+':
				out = append(out, l[1:])
			}
		}
	}
	return append(out, lines[pos:]...), nil
}

// expandRange turns the short forms "@@ -3 +4 @@" into "@@ -3,1 +4,1 @@".
func expandRange(h string) string {
	f := strings.Fields(h)
	for i := 1; i <= 2; i++ {
		if !strings.Contains(f[i], ",") {
			f[i] += ",1"
		}
	}
	return strings.Join(f[:4], " ")
}

// TestToYAMLMatchesSigsYAML checks the direct rendering against sigs.k8s.io/yaml's
// JSON round trip, which kubectl uses and diffs always used.
func TestToYAMLMatchesSigsYAML(t *testing.T) {
	objs := []map[string]interface{}{
		{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]interface{}{"name": "a", "labels": map[string]interface{}{"app.kubernetes.io/name": "x"}},
			"data": map[string]interface{}{
				"yes": "yes", "num": "1", "empty": "", "null": "null", "dash": "- a", "multi": "line 1\nline 2\n", "trailing": "a  ",
				"unicode": "héllo ✓", "tab": "a\tb", "colon": "a: b", "hash": "a #b", "quote": `"q" 'q'`, "html": "<a href=\"&\">",
				"long": strings.Repeat("word ", 40), "lead": " lead", "star": "*x", "bool-like": "True", "octal": "010", "float-like": "1e3",
				"key with spaces": "v", "10": "ten", "9": "nine", "a10": "x", "a9": "y",
			}},
		{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]interface{}{"name": "d", "generation": int64(3)},
			"spec": map[string]interface{}{"replicas": int64(2), "paused": false, "selector": nil,
				"template": map[string]interface{}{"spec": map[string]interface{}{
					"containers": []interface{}{map[string]interface{}{"name": "c", "args": []interface{}{"--a=1", "", "-"}, "ports": []interface{}{map[string]interface{}{"containerPort": 8080}}}},
					"volumes":    []interface{}{}, "nodeSelector": map[string]interface{}{}, "big": int64(1) << 62, "neg": int64(-5),
				}}}},
		// Not plain: these take the round trip, so they match by construction.
		{"apiVersion": "v1", "kind": "X", "metadata": map[string]interface{}{"name": "f"}, "f": 1.5, "g": 1e15, "h": 3.0},
		{"apiVersion": "v1", "kind": "X", "metadata": map[string]interface{}{"name": "n", "labels": map[string]interface{}(nil)}, "l": []interface{}(nil)},
		{"apiVersion": "v1", "kind": "X", "metadata": map[string]interface{}{"name": "bad\xffutf8"}},
	}
	for _, o := range objs {
		got, err := toYAML(&unstructured.Unstructured{Object: o})
		if err != nil {
			t.Fatal(err)
		}
		want, err := yaml.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("%v: toYAML\n%s\nsigs.k8s.io/yaml\n%s", o["metadata"], got, want)
		}
	}
}

// TestOpCodesInsertOrDeleteOnly checks the shortcut for a changed region that only
// adds or only removes lines against difflib's matcher.
func TestOpCodesInsertOrDeleteOnly(t *testing.T) {
	lines := func(s string) []string { return splitLines(strings.ReplaceAll(s, " ", "\n")) }
	tests := []struct{ a, b string }{
		{"", "x y z "},
		{"x y z ", ""},
		{"a b ", "a x y b "},
		{"a x y b ", "a b "},
		{"a ", "a b c "},
		{"b c ", "a b c "},
	}
	for _, tt := range tests {
		a, b := lines(tt.a), lines(tt.b)
		got := opCodes(a, b)
		want := difflib.NewMatcherWithJunk(a, b, false, nil).GetOpCodes()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q -> %q: %v, difflib says %v", tt.a, tt.b, got, want)
		}
	}
}

// The ApplySet's label and the applied-hash annotation belong to no reviewer: a
// diff leaves them out, unless they are all that changes.
func TestUnifiedDiffBookkeeping(t *testing.T) {
	id := object.ID{Kind: "ConfigMap", Namespace: "ns", Name: "cm"}
	obj := func(data string, labels map[string]interface{}) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]interface{}{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]interface{}{"name": "cm", "namespace": "ns", "labels": labels,
				"annotations": map[string]interface{}{object.AnnotationAppliedHash: "abc"}},
			"data": map[string]interface{}{"k": data},
		}}
	}
	member := map[string]interface{}{inventory.LabelPartOf: "applyset-xyz", "app": "web"}
	for _, tc := range []struct {
		name          string
		before, after *unstructured.Unstructured
		want, wantNot []string
	}{
		{"delete", obj("a", member), nil, []string{"-  k: a", "app: web"}, []string{"part-of", "applied-hash"}},
		{"update", obj("a", member), obj("b", member), []string{"+  k: b"}, []string{"part-of", "applied-hash"}},
		{"only the label", obj("a", map[string]interface{}{"app": "web"}), obj("a", member), []string{"+    " + inventory.LabelPartOf}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := UnifiedDiff(id, tc.before, tc.after)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(d, w) {
					t.Errorf("diff lacks %q:\n%s", w, d)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(d, w) {
					t.Errorf("diff shows %q:\n%s", w, d)
				}
			}
			if tc.name == "delete" && tc.before.GetLabels()[inventory.LabelPartOf] == "" {
				t.Error("the live object lost its label")
			}
		})
	}
}
