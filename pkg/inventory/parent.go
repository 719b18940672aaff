package inventory

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
)

// ApplySet label and annotation keys (KEP-3659, as kubectl uses them).
const (
	LabelID                   = "applyset.kubernetes.io/id"
	LabelPartOf               = "applyset.kubernetes.io/part-of"
	AnnotationTooling         = "applyset.kubernetes.io/tooling"
	AnnotationGroupKinds      = "applyset.kubernetes.io/contains-group-kinds"
	AnnotationAdditionalNS    = "applyset.kubernetes.io/additional-namespaces"
	AnnotationLastRevision    = "kubectl-gitops.io/last-applied-revision"
	AnnotationLastAppliedTime = "kubectl-gitops.io/last-applied-time"
	AnnotationLastSummary     = "kubectl-gitops.io/last-applied-summary"
	AnnotationLastSource      = "kubectl-gitops.io/last-applied-source"

	// ToolingName is the tool half of the tooling annotation ("kubectl-gitops/v1").
	ToolingName = "kubectl-gitops"
)

// Parent names the ApplySet parent object: a Secret (the default, as in kubectl) or a
// ConfigMap in a namespace.
type Parent struct {
	Kind      string // "Secret" or "ConfigMap"
	Namespace string
	Name      string
}

// ParseParent parses "[secret/|configmap/]NAME" (kubectl's --applyset form for the core
// kinds; "secrets", "cm" and "configmaps" are accepted too).
func ParseParent(s, namespace string) (Parent, error) {
	kind, name := "Secret", s
	if res, n, ok := strings.Cut(s, "/"); ok {
		name = n
		switch strings.ToLower(res) {
		case "secret", "secrets":
			kind = "Secret"
		case "configmap", "configmaps", "cm":
			kind = "ConfigMap"
		default:
			return Parent{}, fmt.Errorf("applyset %q: parent must be a secret or configmap", s)
		}
	}
	if name == "" {
		return Parent{}, fmt.Errorf("applyset %q: empty name", s)
	}
	// The lock Lease is named after the set, so the name must suit both objects.
	if errs := validation.IsDNS1123Subdomain(Parent{Name: name}.LeaseName()); len(errs) > 0 {
		return Parent{}, fmt.Errorf("applyset %q: invalid name: %s", s, strings.Join(errs, "; "))
	}
	if namespace == "" {
		return Parent{}, fmt.Errorf("applyset %q: no namespace for the parent", s)
	}
	return Parent{Kind: kind, Namespace: namespace, Name: name}, nil
}

// GVR is the parent's resource.
func (p Parent) GVR() schema.GroupVersionResource {
	if p.Kind == "ConfigMap" {
		return schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	}
	return schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
}

// ID is the ApplySet id, the value of the parent's id label and the members' part-of
// label: applyset-<base64url(sha256(name.namespace.kind.group))>-v1.
func (p Parent) ID() string {
	sum := sha256.Sum256([]byte(strings.Join([]string{p.Name, p.Namespace, p.Kind, ""}, ".")))
	return fmt.Sprintf("applyset-%s-v1", base64.RawURLEncoding.EncodeToString(sum[:]))
}

func (p Parent) String() string { return fmt.Sprintf("%s %s/%s", p.Kind, p.Namespace, p.Name) }
