package redact

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// AddSecret registers every value of obj, a Kubernetes object as a map, when it is a core
// Secret: the leaves under data (as written and base64-decoded) and stringData. Other
// kinds are ignored. Malformed Secrets (a number, a list) are handled too: whatever
// leaves they hold are registered.
func (r *Redactor) AddSecret(obj map[string]any) {
	if r == nil || !IsSecret(obj) {
		return
	}
	r.Add(leaves(nil, obj["stringData"], false)...)
	r.Add(leaves(nil, obj["data"], true)...)
}

// IsSecret reports whether obj is a core Secret (apiVersion v1, kind Secret).
func IsSecret(obj map[string]any) bool {
	return obj["kind"] == "Secret" && obj["apiVersion"] == "v1"
}

func leaves(out []string, v any, decode bool) []string {
	switch t := v.(type) {
	case nil:
	case map[string]any:
		for _, x := range t {
			out = leaves(out, x, decode)
		}
	case []any:
		for _, x := range t {
			out = leaves(out, x, decode)
		}
	case string:
		out = append(out, t)
		if decode {
			if dec, err := base64.StdEncoding.DecodeString(t); err == nil {
				out = append(out, string(dec))
			}
		}
	default:
		out = append(out, fmt.Sprint(t))
		if b, err := json.Marshal(t); err == nil {
			out = append(out, string(b))
		}
	}
	return out
}
