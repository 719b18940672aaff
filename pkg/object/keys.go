package object

import "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

// Prefix is the annotation and label prefix of this tool.
const Prefix = "kubectl-gitops.io"

const (
	// AnnotationIgnore marks an object in git or in the cluster: "true" skips it
	// entirely, "sync_only" applies it but never garbage-collects it.
	AnnotationIgnore = Prefix + "/ignore"
	// AnnotationFluxIgnore is Flux v1's ignore annotation, honoured with the same values.
	AnnotationFluxIgnore = "fluxcd.io/ignore"
	// AnnotationAppliedHash records a hash of the desired object this tool last applied;
	// it lets a plan recognise an unchanged object without a dry-run.
	AnnotationAppliedHash = Prefix + "/applied-hash"

	// IgnoreTrue and IgnoreSyncOnly are the values of the ignore annotations.
	IgnoreTrue     = "true"
	IgnoreSyncOnly = "sync_only"
)

// IgnoreMode is how an object's ignore annotations ask to be treated.
type IgnoreMode int

const (
	// Managed: applied and garbage-collected.
	Managed IgnoreMode = iota
	// SyncOnly: applied, never garbage-collected.
	SyncOnly
	// Ignored: neither applied nor garbage-collected.
	Ignored
)

// IgnoreModeOf reads the tool's and Flux v1's ignore annotations of u (nil is Managed).
// "true" wins over "sync_only" when both annotations are present.
func IgnoreModeOf(u *unstructured.Unstructured) IgnoreMode {
	if u == nil {
		return Managed
	}
	mode := Managed
	for _, key := range []string{AnnotationIgnore, AnnotationFluxIgnore} {
		switch u.GetAnnotations()[key] {
		case IgnoreTrue:
			return Ignored
		case IgnoreSyncOnly:
			mode = SyncOnly
		}
	}
	return mode
}
