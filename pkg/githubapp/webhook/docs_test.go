package webhook

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestAppManifestCoversTheBot keeps docs/github-app-manifest.json honest: it subscribes
// to every event the bot handles (installation events come without a subscription) and
// asks for the permissions its calls need (contents: write pushes image-bump branches,
// checks: write makes the plans' check runs).
func TestAppManifestCoversTheBot(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "github-app-manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		DefaultPermissions map[string]string `json:"default_permissions"`
		DefaultEvents      []string          `json:"default_events"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("docs/github-app-manifest.json: %v", err)
	}
	for _, ev := range botEvents {
		switch ev {
		case "installation", "installation_repositories", "ping":
			continue // always delivered to an App
		}
		if !slices.Contains(m.DefaultEvents, ev) {
			t.Errorf("the manifest does not subscribe to %s", ev)
		}
	}
	for perm, level := range map[string]string{"contents": "write", "pull_requests": "write", "issues": "write", "statuses": "write", "checks": "write", "metadata": "read"} {
		if m.DefaultPermissions[perm] != level {
			t.Errorf("permission %s: %q, want %q", perm, m.DefaultPermissions[perm], level)
		}
	}
}
