package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestPublicExamples applies layouts of real public repositories (kept in
// pkg/manifest/testdata, see its README for origins) to the API server, and checks a
// second plan is clean: plain YAML with HPAs, Kustomize bases/overlays, a Helm chart
// directory that must be skipped, and jsonnet next to YAML.
func TestPublicExamples(t *testing.T) {
	root := filepath.Join("..", "..", "pkg", "manifest", "testdata")
	tests := []struct {
		name    string
		dir     string
		args    []string
		objects string // the summary of the first plan
	}{
		{"podinfo kustomize", "podinfo/kustomize", []string{"--default-namespace", "podinfo-kustomize"}, "6 to create"},
		{"podinfo overlays", "podinfo/deploy", nil, "to create"},
		{"kustomize multibases", "kustomize-multibases", []string{"--default-namespace", "multibases"}, "3 to create"},
		// Flux v1's example: HelmReleases need Flux's CRDs, so only plain workloads are applied.
		{"flux-get-started", "flux-get-started", []string{"--path", "namespaces", "--path", "workloads"}, "to create"},
		{"parca (jsonnet beside YAML)", "parca/deploy", []string{"--path", "manifests"}, "to create"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := "examples-" + string(rune('a'+i))
			for _, ns := range []string{"podinfo-kustomize", "multibases"} {
				ensureNamespace(t, ns)
			}
			args := append([]string{filepath.Join(root, tt.dir), "--applyset", set}, tt.args...)
			res := gitops(t, append([]string{"plan", "--no-diff"}, args...)...)
			if res.code != 1 || !strings.Contains(res.out, tt.objects) || strings.Contains(res.out, "Problems") {
				t.Fatalf("first plan: want changes and no problems\n%s", res)
			}
			if res := gitops(t, append([]string{"apply", "--progress", "none"}, args...)...); res.code != 0 {
				t.Fatalf("apply: %s", res)
			}
			if res := gitops(t, append([]string{"plan"}, args...)...); res.code != 0 {
				t.Fatalf("second plan not clean: %s", res)
			}
		})
	}
}
