package manifest

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
)

// Source is where an object was read from: a file relative to the source root and the
// 1-based line its document starts on (0 when unknown, e.g. for Kustomize output where
// File names the kustomization or, when known, the resource file it came from).
type Source struct {
	File string `json:"file"`
	Line int    `json:"line,omitempty"`
}

func (s Source) String() string {
	if s.Line > 0 {
		return fmt.Sprintf("%s:%d", s.File, s.Line)
	}
	return s.File
}

// Object is one Kubernetes object with the place it came from.
type Object struct {
	Obj    *unstructured.Unstructured
	Source Source
}

// ID returns the object's identity.
func (o Object) ID() object.ID { return object.IDOf(o.Obj) }

// Error is an error tied to a place in the source, and to an object when one is known.
type Error struct {
	Source Source
	Object string // e.g. "Deployment.apps shop/web"; empty when the document did not parse
	Err    error
}

func (e *Error) Error() string {
	if e.Object != "" {
		return fmt.Sprintf("%s: %s: %v", e.Source, e.Object, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Source, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }
