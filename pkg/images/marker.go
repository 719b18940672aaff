package images

import (
	"encoding/json"
	"fmt"
	"strings"
)

// MarkerKey is the key of a marker comment that binds a YAML field to a policy of
// .gitops.yaml, in the form Flux v2's image automation uses:
//
//	image: ghcr.io/acme/app:1.2.3 # {"$imagepolicy": "app"}       the whole reference
//	tag: 1.2.3                    # {"$imagepolicy": "app:tag"}   the tag only
//	repository: ghcr.io/acme/app  # {"$imagepolicy": "app:name"}  the repository (listed, never changed)
//
// Flux v2's "namespace:policy[:tag|:name]" is accepted too; the namespace is ignored.
const MarkerKey = "$imagepolicy"

// FieldKind is what part of an image reference a YAML field holds.
type FieldKind string

const (
	FieldImage FieldKind = "image" // repository[:tag][@digest]
	FieldTag   FieldKind = "tag"   // the tag only
	FieldName  FieldKind = "name"  // the repository only
)

// parseMarker reads a line comment. ok is false when it is not a marker; a comment that
// names the marker key but does not parse is an error.
func parseMarker(comment string) (policy string, field FieldKind, ok bool, err error) {
	c := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(comment), "#"))
	if !strings.Contains(c, MarkerKey) {
		return "", "", false, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(c), &m); err != nil {
		return "", "", false, fmt.Errorf(`malformed marker comment %q: want # {"%s": "policy"} (or "policy:tag", "policy:name")`, comment, MarkerKey)
	}
	v, found := m[MarkerKey]
	if !found || v == "" {
		return "", "", false, fmt.Errorf(`malformed marker comment %q: want # {"%s": "policy"}`, comment, MarkerKey)
	}
	parts := strings.Split(v, ":")
	field = FieldImage
	if n := len(parts); n > 1 && (parts[n-1] == string(FieldTag) || parts[n-1] == string(FieldName)) {
		field = FieldKind(parts[n-1])
		parts = parts[:n-1]
	}
	switch len(parts) {
	case 1:
		policy = parts[0]
	case 2: // Flux v2 namespace:policy
		policy = parts[1]
	default:
		return "", "", false, fmt.Errorf("malformed marker comment %q: too many ':' in %q", comment, v)
	}
	if policy == "" {
		return "", "", false, fmt.Errorf("malformed marker comment %q: empty policy name", comment)
	}
	return policy, field, true, nil
}
