package manifest

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/redact"
)

// clusterRoleReadingCreds refers to the Secret "creds" by name, from a cluster-scoped
// object: Kustomize considers Secrets of every namespace as referral targets.
const clusterRoleReadingCreds = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: read-creds
rules:
- apiGroups: [""]
  resources: [secrets]
  resourceNames: [creds]
  verbs: [get]
`

// TestKustomizeErrorsDoNotLeakSecretValues provokes Kustomize errors that quote whole
// objects or values, with a secretGenerator and a Secret in the render: no value shows,
// neither raw nor base64-encoded.
func TestKustomizeErrorsDoNotLeakSecretValues(t *testing.T) {
	tests := []struct {
		name   string
		files  map[string]string
		want   string   // the error still says what is wrong
		values []string // must not appear, raw or base64
	}{{
		name: "nameref: found multiple possible referrals",
		files: map[string]string{
			"kustomization.yaml":   "resources:\n- a\n- b\n- role.yaml\n",
			"role.yaml":            clusterRoleReadingCreds,
			"a/kustomization.yaml": "namespace: a\nsecretGenerator:\n- name: creds\n  literals:\n  - password=hunter2-literal\n  - pin=42\n  files:\n  - cert.pem\n  envs:\n  - creds.env\n",
			"a/cert.pem":           "-----BEGIN KEY-----\nMIIBsecretkeymaterial\n-----END KEY-----\n",
			"a/creds.env":          "TOKEN=env-secret-token\n",
			"b/kustomization.yaml": "namespace: b\nresources:\n- secret.yaml\n",
			"b/secret.yaml":        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  token: plain-secret-token\ndata:\n  key: " + b64("data-secret-value") + "\n",
		},
		want:   "found multiple possible referrals",
		values: []string{"hunter2-literal", "-----BEGIN KEY-----\nMIIBsecretkeymaterial\n-----END KEY-----\n", "env-secret-token", "plain-secret-token", "data-secret-value"},
	}, {
		name: "replacement: index out of bounds for value",
		files: map[string]string{
			"kustomization.yaml": `resources:
- cm.yaml
secretGenerator:
- name: s
  literals:
  - key=replaced-secret-value
replacements:
- source:
    kind: Secret
    name: s
    fieldPath: data.key
    options:
      delimiter: "."
      index: 3
  targets:
  - select:
      kind: ConfigMap
    fieldPaths:
    - data.x
`,
			"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  x: y\n",
		},
		want:   "out of bounds for value",
		values: []string{"replaced-secret-value"},
	}, {
		name:   "malformed literal",
		files:  map[string]string{"kustomization.yaml": "secretGenerator:\n- name: s\n  literals:\n  - hunter2-no-key\n"},
		want:   "invalid literal source",
		values: []string{"hunter2-no-key"},
	}, {
		name:   "env line that is not UTF-8",
		files:  map[string]string{"kustomization.yaml": "secretGenerator:\n- name: s\n  envs:\n  - s.env\n", "s.env": "K=hunter2-\xff\n"},
		want:   "invalid utf8",
		values: []string{"hunter2-\xff", "104 117 110 116 101 114 50 45 255"}, // also as printed with %d
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			red := redact.New()
			_, err := Load(context.Background(), writeTree(t, tt.files), WithRedactor(red))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("want an error saying %q, got %v", tt.want, err)
			}
			msg := err.Error()
			for _, v := range tt.values {
				requireNoPart(t, msg, v)
				requireNoPart(t, msg, b64(v))
				if red.String(v) == v {
					t.Errorf("the redactor did not learn %q", v)
				}
			}
			if !strings.Contains(msg, redact.Mask) {
				t.Errorf("no value was masked (did the error quote none?):\n%s", msg)
			}
		})
	}
}

// TestLoadLearnsRenderedSecrets: the values of Secrets in plain files and in a
// successful Kustomize render are learnt, so callers can redact their own text.
func TestLoadLearnsRenderedSecrets(t *testing.T) {
	red := redact.New()
	root := writeTree(t, map[string]string{
		"plain/s.yaml":            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  a: plain-file-value\n",
		"kust/kustomization.yaml": "secretGenerator:\n- name: g\n  literals:\n  - b=generated-value\n",
	})
	if _, err := Load(context.Background(), root, WithRedactor(red)); err != nil {
		t.Fatal(err)
	}
	got := red.String("plain-file-value generated-value " + b64("generated-value"))
	if got != "(masked) (masked) (masked)" {
		t.Errorf("got %q", got)
	}
}

// requireNoPart fails when msg holds 8 bytes or more of v in a row: also a line of a
// value printed in lines.
func requireNoPart(t *testing.T, msg, v string) {
	t.Helper()
	for i := 0; i+8 <= len(v); i++ {
		if part := v[i : i+8]; strings.Contains(msg, part) {
			t.Errorf("error leaks %q of %q:\n%s", part, v, msg)
			return
		}
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
