package githubtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// WebhookExamples reads GitHub's example payloads (@octokit/webhooks-examples) by
// event name, each with an installation added when it has none (id 4242).
func WebhookExamples(t testing.TB) map[string][][]byte {
	t.Helper()
	dir, err := DataDir()
	if err != nil {
		t.Fatalf("GitHub's webhook examples: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "webhooks-examples.json"))
	if err != nil {
		t.Fatal(err)
	}
	var all []struct {
		Name     string            `json:"name"`
		Examples []json.RawMessage `json:"examples"`
	}
	if err := json.Unmarshal(data, &all); err != nil {
		t.Fatalf("webhooks-examples.json: %v", err)
	}
	out := map[string][][]byte{}
	for _, e := range all {
		for _, ex := range e.Examples {
			var m map[string]any
			if err := json.Unmarshal(ex, &m); err != nil {
				t.Fatalf("example of %s: %v", e.Name, err)
			}
			if _, ok := m["installation"]; !ok {
				m["installation"] = map[string]any{"id": 4242, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg=="}
			}
			b, _ := json.Marshal(m)
			out[e.Name] = append(out[e.Name], b)
		}
	}
	return out
}

// Sign is the X-Hub-Signature-256 of body under secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}
