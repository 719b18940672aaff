package manifest

import (
	"context"
	"strings"
	"testing"
)

// A .gitops.yaml that only holds image policies (or the bot's sections) declares no generators: its directory
// is read as plain YAML, with or without --manifest-generation.
func TestGitopsFileWithOnlyImagePolicies(t *testing.T) {
	tests := []struct {
		name     string
		gitops   string
		gen      bool
		wantObjs int
		wantErr  string
	}{
		{"images only", "images:\n  policies: {}\n", false, 1, ""},
		{"images only, generation on", "images:\n  policies: {}\n", true, 1, ""},
		{"generators, generation off", "version: 1\ngenerators:\n  - command: echo\n", false, 0, "manifest generation is off"},
		{"generators and images", "version: 1\ngenerators:\n  - command: cat cm.yaml\nimages: {}\n", true, 1, ""},
		{"the bot's sections only", "targets:\n  - name: dev\nimagePullRequests:\n  labels: [x]\n", false, 1, ""},
		{"generators and the bot's sections", "version: 1\ngenerators:\n  - command: cat cm.yaml\ntargets: []\nnotify: []\n", true, 1, ""},
		{"unknown key", "version: 1\ngenerators:\n  - command: cat cm.yaml\nbogus: 1\n", true, 0, `unknown key "bogus"`},
		{"unknown key beside images", "images: {}\nbogus: 1\n", false, 0, `.gitops.yaml:2: unknown key "bogus"`},
		{"invalid YAML, generation off", "images: [\n", false, 0, ".gitops.yaml:1: invalid YAML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, map[string]string{".gitops.yaml": tt.gitops, "cm.yaml": cm("a")})
			objs, err := Load(context.Background(), root, WithManifestGeneration(tt.gen))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(objs) != tt.wantObjs {
				t.Fatalf("got %d objects, %v; want %d", len(objs), err, tt.wantObjs)
			}
		})
	}
}
