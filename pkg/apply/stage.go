package apply

import "github.com/kubectl-gitops/kubectl-gitops/pkg/plan"

// Stage is a group of objects applied together; a stage completes before the next begins.
type Stage int

const (
	// StageDefinitions holds CRDs and Namespaces; CRDs are waited for until Established.
	StageDefinitions Stage = iota
	// StageCluster holds other cluster-scoped objects (ClusterRoles, StorageClasses, ...).
	StageCluster
	// StageNamespaced holds namespaced objects.
	StageNamespaced
	// StageWebhooks holds admission webhooks and policies, last, so they cannot block
	// the objects of the same apply.
	StageWebhooks
)

var stageNames = [...]string{"definitions", "cluster-scoped", "namespaced", "admission webhooks"}

func (s Stage) String() string { return stageNames[s] }

// StageOf returns the stage of a change.
func StageOf(c *plan.Change) Stage {
	switch {
	case c.ID.Group == "apiextensions.k8s.io" && c.ID.Kind == "CustomResourceDefinition",
		c.ID.Group == "" && c.ID.Kind == "Namespace":
		return StageDefinitions
	case c.ID.Group == "admissionregistration.k8s.io":
		return StageWebhooks
	case c.ID.Namespace == "":
		return StageCluster
	default:
		return StageNamespaced
	}
}
