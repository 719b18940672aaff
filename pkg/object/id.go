package object

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// ID identifies an object independent of its API version.
type ID struct {
	Group     string `json:"group"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// IDOf returns the ID of u.
func IDOf(u *unstructured.Unstructured) ID {
	gvk := u.GroupVersionKind()
	return ID{Group: gvk.Group, Kind: gvk.Kind, Namespace: u.GetNamespace(), Name: u.GetName()}
}

// GroupKind returns the object's GroupKind.
func (id ID) GroupKind() schema.GroupKind { return schema.GroupKind{Group: id.Group, Kind: id.Kind} }

// String renders the ID the way it is printed everywhere: "Kind.group namespace/name",
// with the group omitted for the core group and the namespace for cluster-scoped objects.
func (id ID) String() string {
	var b strings.Builder
	b.WriteString(id.Kind)
	if id.Group != "" {
		b.WriteString(".")
		b.WriteString(id.Group)
	}
	b.WriteString(" ")
	if id.Namespace != "" {
		b.WriteString(id.Namespace)
		b.WriteString("/")
	}
	b.WriteString(id.Name)
	return b.String()
}

// Less orders IDs by namespace, group, kind and name.
func (id ID) Less(o ID) bool {
	if id.Namespace != o.Namespace {
		return id.Namespace < o.Namespace
	}
	if id.Group != o.Group {
		return id.Group < o.Group
	}
	if id.Kind != o.Kind {
		return id.Kind < o.Kind
	}
	return id.Name < o.Name
}

// GoString helps test failure messages.
func (id ID) GoString() string { return fmt.Sprintf("object.ID(%q)", id.String()) }
