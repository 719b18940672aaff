package plan

import (
	"encoding/base64"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
)

// Secret values used in these tests; none of them, nor their base64, may appear in
// any output.
var secretValuesForTest = []string{"hunter2-old", "hunter2-new", "tok-old-9f8e", "tok-new-7d6c", "stays-the-same", "gone-value", "brand-new-value", "moved-value"}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func liveSecret(t *testing.T) *unstructured.Unstructured {
	t.Helper()
	u := obj(t, `
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"data":{"password":"`+b64("hunter2-old")+`"},"stringData":{"token":"tok-old-9f8e"}}'
    kubectl-gitops.io/applied-hash: sha256-of-old
    team: payments
type: Opaque
data:
  password: `+b64("hunter2-old")+`
  token: `+b64("tok-old-9f8e")+`
  user: `+b64("stays-the-same")+`
  legacy: `+b64("gone-value")+`
  moved: `+b64("moved-value")+`
`)
	return withNoise(t, u)
}

func gitSecret(t *testing.T) *unstructured.Unstructured {
	t.Helper()
	return obj(t, `
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
  annotations:
    kubectl-gitops.io/applied-hash: sha256-of-new
    team: payments
type: Opaque
data:
  password: `+b64("hunter2-new")+`
  user: `+b64("stays-the-same")+`
  added: `+b64("brand-new-value")+`
stringData:
  token: tok-new-7d6c
  moved: moved-value
`)
}

func TestMaskSecrets(t *testing.T) {
	live, git := liveSecret(t), gitSecret(t)
	liveOrig, gitOrig := live.DeepCopy(), git.DeepCopy()
	b, a := MaskSecrets(live, git)

	if !reflect.DeepEqual(live.Object, liveOrig.Object) || !reflect.DeepEqual(git.Object, gitOrig.Object) {
		t.Fatal("MaskSecrets changed its input")
	}
	tests := []struct {
		u     *unstructured.Unstructured
		field []string
		want  string
	}{
		{b, []string{"data", "password"}, MaskedOld},
		{a, []string{"data", "password"}, MaskedNew},
		{b, []string{"data", "token"}, MaskedOld},
		{a, []string{"stringData", "token"}, MaskedNew},
		{b, []string{"data", "user"}, MaskedUnchanged},
		{a, []string{"data", "user"}, MaskedUnchanged},
		{b, []string{"data", "legacy"}, MaskedRemoved},
		{a, []string{"data", "added"}, MaskedAdded},
		// Same value, moved from data to stringData: unchanged.
		{b, []string{"data", "moved"}, MaskedUnchanged},
		{a, []string{"stringData", "moved"}, MaskedUnchanged},
		{b, []string{"metadata", "annotations", object.AnnotationAppliedHash}, MaskedOld},
		{a, []string{"metadata", "annotations", object.AnnotationAppliedHash}, MaskedNew},
		{b, []string{"metadata", "annotations", "team"}, "payments"},
		{b, []string{"type"}, "Opaque"},
	}
	for _, tc := range tests {
		got, _, err := unstructured.NestedString(tc.u.Object, tc.field...)
		if err != nil || got != tc.want {
			t.Errorf("%s = %q (%v), want %q", strings.Join(tc.field, "."), got, err, tc.want)
		}
	}
	if _, found, _ := unstructured.NestedString(b.Object, "metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration"); found {
		t.Error("last-applied-configuration kept on a Secret")
	}
	assertNoSecretValues(t, "masked live object", yamlOf(t, b))
	assertNoSecretValues(t, "masked git object", yamlOf(t, a))
}

func TestMaskSecretsOneSide(t *testing.T) {
	for _, tc := range []struct {
		name          string
		before, after *unstructured.Unstructured
	}{
		{"create", nil, gitSecret(t)},
		{"delete", liveSecret(t), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, a := MaskSecrets(tc.before, tc.after)
			u := a
			if u == nil {
				u = b
			}
			for _, f := range []string{"data", "stringData"} {
				m, _, _ := unstructured.NestedStringMap(u.Object, f)
				for k, v := range m {
					if v != MaskedUnchanged {
						t.Errorf("%s.%s = %q, want %q", f, k, v, MaskedUnchanged)
					}
				}
			}
			if hash := u.GetAnnotations()[object.AnnotationAppliedHash]; hash != MaskedUnchanged {
				t.Errorf("applied hash = %q", hash)
			}
			assertNoSecretValues(t, tc.name, yamlOf(t, u))
		})
	}
}

func TestMaskSecretsLeavesOtherKinds(t *testing.T) {
	cm := obj(t, `{apiVersion: v1, kind: ConfigMap, metadata: {name: c, annotations: {kubectl.kubernetes.io/last-applied-configuration: "{}"}}, data: {password: visible}}`)
	other := obj(t, `{apiVersion: example.com/v1, kind: Secret, metadata: {name: s}, data: {k: visible}}`)
	for _, u := range []*unstructured.Unstructured{cm, other} {
		b, a := MaskSecrets(u, u)
		if !reflect.DeepEqual(b.Object, u.Object) || !reflect.DeepEqual(a.Object, u.Object) {
			t.Errorf("%s changed: %v", u.GetKind(), b.Object)
		}
		if b == u || a == u {
			t.Error("MaskSecrets returned its input, not a copy")
		}
	}
	if b, a := MaskSecrets(nil, nil); b != nil || a != nil {
		t.Error("MaskSecrets(nil, nil) is not nil, nil")
	}
}

func TestMaskSecretsMalformed(t *testing.T) {
	u := obj(t, `{apiVersion: v1, kind: Secret, metadata: {name: s}, data: "hunter2-old", stringData: [tok-old-9f8e]}`)
	_, a := MaskSecrets(nil, u)
	assertNoSecretValues(t, "malformed Secret", yamlOf(t, a))
}

// The diff of a Secret names the keys that changed and shows no value.
func TestUnifiedDiffSecret(t *testing.T) {
	d := mustDiff(t, liveSecret(t), gitSecret(t))
	assertNoSecretValues(t, "diff", d)
	for _, want := range []string{
		"-  password: '" + MaskedOld + "'",
		"+  password: '" + MaskedNew + "'",
		"-  legacy: '" + MaskedRemoved + "'",
		"+  added: '" + MaskedAdded + "'",
		"+  token: '" + MaskedNew + "'",
		"   user: " + MaskedUnchanged,
	} {
		if !strings.Contains(d, want+"\n") {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
	if strings.Contains(d, "last-applied-configuration") {
		t.Errorf("diff shows last-applied-configuration:\n%s", d)
	}
	if Equal(liveSecret(t), gitSecret(t)) {
		t.Error("Equal ignores changed Secret values")
	}
}

// assertNoSecretValues fails when out holds a test Secret value or its base64.
func assertNoSecretValues(t *testing.T, what, out string) {
	t.Helper()
	for _, v := range secretValuesForTest {
		for _, form := range []string{v, b64(v), strings.TrimRight(b64(v), "=")} {
			if strings.Contains(out, form) {
				t.Errorf("%s shows the Secret value %q (as %q):\n%s", what, v, form, out)
			}
		}
	}
}

func yamlOf(t *testing.T, u *unstructured.Unstructured) string {
	t.Helper()
	s, err := toYAML(u)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// No rendering of a plan shows a Secret value, although the change carries the
// objects themselves.
func TestRenderersMaskSecrets(t *testing.T) {
	live, git := liveSecret(t), gitSecret(t)
	p := &Plan{Changes: []Change{{
		ID: object.IDOf(git), APIVersion: "v1", Action: Update,
		Diff:        mustDiff(t, live, git),
		DesiredJSON: mustJSON(t, git), Live: live, Merged: git,
		Result: Failed, Error: "Secret \"db\" is invalid",
	}}}
	var text, md, js strings.Builder
	if err := p.WriteText(&text, TextOptions{ShowUnchanged: true}); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteMarkdown(&md, MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "markdown": md.String(), "json": js.String()} {
		assertNoSecretValues(t, name, out)
		if !strings.Contains(out, "password") {
			t.Errorf("%s does not name the changed key:\n%s", name, out)
		}
	}
}
