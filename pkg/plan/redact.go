package plan

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// RedactSecretValues returns msg with every value of the Secret u replaced by
// MaskedUnchanged: the leaves under data and stringData as written, as JSON, and (for
// data) base64-decoded. The API server echoes an offending value in some errors
// (".stringData.pin: expected string, got &value.valueUnstructured{Value:1234}"), so
// every error about a Secret passes through here before it is shown. Messages about
// other kinds are returned unchanged.
func RedactSecretValues(u *unstructured.Unstructured, msg string) string {
	if !isSecret(u) {
		return msg
	}
	var values []string
	for _, f := range secretFields {
		if v, found, _ := unstructured.NestedFieldNoCopy(u.Object, f); found {
			values = appendLeaves(values, v, f == "data")
		}
	}
	// Longest first, so that a value containing another is replaced whole.
	sort.Slice(values, func(i, j int) bool { return len(values[i]) > len(values[j]) })
	for _, v := range values {
		if v != "" {
			msg = strings.ReplaceAll(msg, v, MaskedUnchanged)
		}
	}
	return msg
}

func appendLeaves(out []string, v any, decode bool) []string {
	switch t := v.(type) {
	case nil:
	case map[string]any:
		for _, x := range t {
			out = appendLeaves(out, x, decode)
		}
	case []any:
		for _, x := range t {
			out = appendLeaves(out, x, decode)
		}
	case string:
		out = append(out, t)
		if decode {
			if dec, err := base64.StdEncoding.DecodeString(t); err == nil {
				out = append(out, string(dec))
			}
		}
		if b, err := json.Marshal(t); err == nil {
			out = append(out, strings.Trim(string(b), `"`)) // as escaped in a message
		}
	default:
		out = append(out, fmt.Sprint(t))
		if b, err := json.Marshal(t); err == nil {
			out = append(out, string(b))
		}
	}
	return out
}
