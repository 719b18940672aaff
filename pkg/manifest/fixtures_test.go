package manifest

import (
	"context"
	"slices"
	"testing"
)

// TestFixtures loads the example repositories in testdata (see testdata/README.md).
func TestFixtures(t *testing.T) {
	tests := []struct {
		name      string
		root      string
		paths     []string
		wantCount int
		wantSome  []string // objects that must be among the results
		wantFiles []string // DiscoverFiles for the same root and paths
	}{
		{
			name:      "flux-get-started: plain YAML, Helm chart and dot-directories skipped",
			root:      "testdata/flux-get-started",
			wantCount: 6,
			wantSome: []string{
				"namespaces/demo-ns.yaml:2 Namespace demo",
				"releases/ghost.yaml:2 HelmRelease.flux.weave.works demo/ghost",
				"workloads/podinfo-dep.yaml:2 Deployment.apps demo/podinfo",
				"workloads/podinfo-hpa.yaml:2 HorizontalPodAutoscaler.autoscaling demo/podinfo",
			},
			wantFiles: []string{
				"namespaces/demo-ns.yaml", "releases/ghost.yaml", "releases/redis.yaml",
				"workloads/podinfo-dep.yaml", "workloads/podinfo-hpa.yaml", "workloads/podinfo-svc.yaml",
			},
		},
		{
			name:      "flux-get-started --path workloads",
			root:      "testdata/flux-get-started",
			paths:     []string{"workloads"},
			wantCount: 3,
			wantFiles: []string{"workloads/podinfo-dep.yaml", "workloads/podinfo-hpa.yaml", "workloads/podinfo-svc.yaml"},
		},
		{
			name:      "podinfo kustomize/: one kustomization, service.yaml with an empty document",
			root:      "testdata/podinfo",
			paths:     []string{"kustomize"},
			wantCount: 6, // HPA, Deployment, 3 Services, generated Secret
			wantSome: []string{
				"kustomize/service.yaml:30 Service podinfo-canary",
				"kustomize/hpa.yaml:1 HorizontalPodAutoscaler.autoscaling podinfo",
			},
		},
		{
			name:      "podinfo production overlay: bases with HPAs",
			root:      "testdata/podinfo",
			paths:     []string{"deploy/overlays/production"},
			wantCount: 7,
			wantSome: []string{
				"deploy/bases/backend/hpa.yaml:1 HorizontalPodAutoscaler.autoscaling production/backend",
				"deploy/bases/frontend/deployment.yaml:1 Deployment.apps production/frontend",
				"deploy/overlays/production/namespace.yaml:1 Namespace production",
			},
		},
		{
			name:      "podinfo whole tree: every kustomization built on its own",
			root:      "testdata/podinfo",
			wantCount: 3 + 3 + 7 + 7 + 6,
		},
		{
			name:      "kustomize multibases: root kustomization, subdirectories not scanned separately",
			root:      "testdata/kustomize-multibases",
			wantCount: 3,
			wantSome: []string{
				"base/pod.yaml:4 Pod cluster-a-dev-myapp-pod",
				"base/pod.yaml:4 Pod cluster-a-staging-myapp-pod",
				"base/pod.yaml:4 Pod cluster-a-prod-myapp-pod",
			},
		},
		{
			name:      "parca: jsonnet and JSON next to YAML",
			root:      "testdata/parca",
			wantCount: 6,
			wantSome: []string{
				"deploy/manifests/parca-deployment.yaml:1 Deployment.apps parca/parca",
				"deploy/pyrra/parca-grpc-query-errors.yaml:1 ServiceLevelObjective.pyrra.dev parca/parca-grpc-query-errors",
			},
			wantFiles: []string{
				"deploy/manifests/parca-deployment.yaml", "deploy/manifests/parca-namespace.yaml",
				"deploy/manifests/parca-service.yaml", "deploy/manifests/parca-serviceAccount.yaml",
				"deploy/pyrra/parca-grpc-profilestore-errors.yaml", "deploy/pyrra/parca-grpc-query-errors.yaml",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Load(context.Background(), tt.root, WithPaths(tt.paths...))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			got := describe(objs)
			if len(got) != tt.wantCount {
				t.Errorf("got %d objects, want %d:\n%q", len(got), tt.wantCount, got)
			}
			for _, w := range tt.wantSome {
				if !slices.Contains(got, w) {
					t.Errorf("missing %q in\n%q", w, got)
				}
			}
			if tt.wantFiles != nil {
				files, err := DiscoverFiles(tt.root, tt.paths...)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(files, tt.wantFiles) {
					t.Errorf("DiscoverFiles = %q\nwant %q", files, tt.wantFiles)
				}
			}
		})
	}
}
