package apply

import (
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

func TestStageOf(t *testing.T) {
	tests := []struct {
		id   object.ID
		want Stage
	}{
		{object.ID{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition", Name: "x"}, StageDefinitions},
		{object.ID{Kind: "Namespace", Name: "x"}, StageDefinitions},
		{object.ID{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "x"}, StageCluster},
		{object.ID{Kind: "ConfigMap", Namespace: "a", Name: "x"}, StageNamespaced},
		{object.ID{Group: "admissionregistration.k8s.io", Kind: "ValidatingWebhookConfiguration", Name: "x"}, StageWebhooks},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			if got := StageOf(&plan.Change{ID: tt.id}); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}
