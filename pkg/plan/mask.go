package plan

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
)

// The placeholders that replace Secret values. Before and after differ for a changed
// value so that a diff shows which keys changed, never what they hold.
const (
	MaskedUnchanged = "(masked)"
	MaskedAdded     = "(masked: added)"
	MaskedRemoved   = "(masked: removed)"
	MaskedOld       = "(masked: changed, old value)"
	MaskedNew       = "(masked: changed, new value)"
)

// secretFields are the fields of a Secret that hold values.
var secretFields = []string{"data", "stringData"}

// MaskSecrets returns copies of before and after (either may be nil) in which every
// value under data and stringData of a core Secret is replaced by a placeholder:
// MaskedUnchanged when the other side holds the same value, MaskedOld and MaskedNew
// when it changed, MaskedAdded and MaskedRemoved when the key is on one side only.
// Values are compared decoded, so a key moved from data to stringData with the same
// value is unchanged. When only one side is a Secret (a create or a delete), every
// value is MaskedUnchanged. The annotation kubectl.kubernetes.io/last-applied-configuration
// is dropped from Secrets (it embeds the data) and the tool's applied-hash annotation
// is masked like a value (not even a hash of a Secret is printed).
// Objects of other kinds are copied unchanged.
func MaskSecrets(before, after *unstructured.Unstructured) (*unstructured.Unstructured, *unstructured.Unstructured) {
	b, a := copyOf(before), copyOf(after)
	maskSecretsInPlace(b, a)
	return b, a
}

// maskSecretsInPlace is MaskSecrets without the copies: it edits b and a (either may
// be nil, or a shallowCopy).
func maskSecretsInPlace(b, a *unstructured.Unstructured) {
	bv, av := secretValuesOf(b), secretValuesOf(a)
	if bv != nil {
		maskSecret(b, bv, av, true)
	}
	if av != nil {
		maskSecret(a, av, bv, false)
	}
}

func copyOf(u *unstructured.Unstructured) *unstructured.Unstructured {
	if u == nil {
		return nil
	}
	return u.DeepCopy()
}

// isSecret reports whether u is a Secret of the core API group.
func isSecret(u *unstructured.Unstructured) bool {
	if u == nil || u.Object == nil {
		return false
	}
	gvk := u.GroupVersionKind()
	return gvk.Group == "" && gvk.Kind == "Secret"
}

// secretValues are the decoded values of a Secret, and its applied hash.
type secretValues struct {
	values  map[string]string
	hash    string
	hasHash bool
}

// secretValuesOf returns nil when u is not a Secret. Otherwise it holds the decoded
// value of every key: data decoded from base64 (kept as is when it is not valid
// base64), overlaid by stringData, as the API server does.
func secretValuesOf(u *unstructured.Unstructured) *secretValues {
	if !isSecret(u) {
		return nil
	}
	sv := &secretValues{values: map[string]string{}}
	if m, ok := nestedMap(u.Object, "data"); ok {
		for k, v := range m {
			s := scalarString(v)
			if dec, err := base64.StdEncoding.DecodeString(s); err == nil {
				s = string(dec)
			}
			sv.values[k] = s
		}
	}
	if m, ok := nestedMap(u.Object, "stringData"); ok {
		for k, v := range m {
			sv.values[k] = scalarString(v)
		}
	}
	if a, ok := nestedMap(u.Object, "metadata", "annotations"); ok {
		var h interface{}
		if h, sv.hasHash = a[object.AnnotationAppliedHash]; sv.hasHash {
			sv.hash = scalarString(h)
		}
	}
	return sv
}

func scalarString(v interface{}) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	}
	out, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(out)
}

// maskLabel is the placeholder for a value, given the other side's value (in is
// false when the other side lacks the key; other is nil when it is not a Secret).
func maskLabel(mine, theirs string, in bool, other *secretValues, isBefore bool) string {
	switch {
	case other == nil:
		return MaskedUnchanged
	case !in && isBefore:
		return MaskedRemoved
	case !in:
		return MaskedAdded
	case mine == theirs:
		return MaskedUnchanged
	case isBefore:
		return MaskedOld
	default:
		return MaskedNew
	}
}

// maskSecret replaces the values of the Secret u in place.
func maskSecret(u *unstructured.Unstructured, mine, other *secretValues, isBefore bool) {
	for _, f := range secretFields {
		v, found, _ := unstructured.NestedFieldNoCopy(u.Object, f)
		if !found || v == nil {
			continue
		}
		m, ok := v.(map[string]interface{})
		if !ok {
			// Malformed, but it may still hold a value.
			u.Object[f] = MaskedUnchanged
			continue
		}
		for k := range m {
			var theirs string
			in := false
			if other != nil {
				theirs, in = other.values[k]
			}
			m[k] = maskLabel(mine.values[k], theirs, in, other, isBefore)
		}
	}

	// The raw map, not GetAnnotations: that returns nil when a value is not a string,
	// and a malformed object must not keep its last-applied configuration.
	annotations, ok := nestedMap(u.Object, "metadata", "annotations")
	if !ok {
		return
	}
	delete(annotations, lastAppliedAnnotation)
	if mine.hasHash {
		var theirs string
		in := false
		if other != nil {
			theirs, in = other.hash, other.hasHash
		}
		annotations[object.AnnotationAppliedHash] = maskLabel(mine.hash, theirs, in, other, isBefore)
	}
	if len(annotations) == 0 {
		unstructured.RemoveNestedField(u.Object, "metadata", "annotations")
	}
}
