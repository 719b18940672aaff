package repoconfig

import (
	"strings"
	"testing"
)

func TestParseRepoConfig(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		want    []Target
		wantErr string
	}{
		{"no file: the whole repository, offline", "", []Target{{Name: "default", Path: "."}}, ""},
		{"images only", "images:\n  policies: []\n", []Target{{Name: "default", Path: "."}}, ""},
		{"targets beside images and generators", `version: 1
images:
  policies: []
targets:
  - name: prod
    path: clusters/prod/
    cluster: prod-eu
    applyset: prod
    allowNamespaces: [shop]
  - name: staging
    path: clusters/staging
comments:
  showUnchanged: true
`, []Target{
			{Name: "prod", Path: "clusters/prod", Cluster: "prod-eu", ApplySet: "prod", AllowNamespaces: []string{"shop"}, Line: 5},
			{Name: "staging", Path: "clusters/staging", Line: 10},
		}, ""},
		{"unknown key in a target", "targets:\n  - name: prod\n    clusterr: x\n", nil, ".gitops.yaml:3: field clusterr not found in type target"},
		{"duplicate target", "targets:\n  - name: a\n  - name: a\n", nil, ".gitops.yaml:3: target \"a\" is defined twice (first at line 2)"},
		{"bad name", "targets:\n  - name: Prod EU\n", nil, ".gitops.yaml:2: target name \"Prod EU\""},
		{"path outside", "targets:\n  - name: a\n    path: ../other\n", nil, ".gitops.yaml:2: target \"a\": path \"../other\" must stay inside the repository"},
		{"not YAML", "targets: [\n", nil, ".gitops.yaml:"},
		{"unknown top-level key", "targets: []\ntarget:\n  - name: prod\n", nil, `.gitops.yaml:2: unknown key "target" (known: version, generators, images, targets,`},
		{"wrong type", "forks:\n  livePlan: maybe\n", nil, ".gitops.yaml:2: cannot unmarshal"},
		{"bad notify", "notify:\n  - name: slack\n    on: sometimes\n", nil, "want failure or always"},
		{"image pull requests", "imagePullRequests:\n  labels: [dependencies]\n  reviewers: [alice]\n  ciSkip: true\n  groups:\n    - name: shop\n      images: ['ghcr.io/acme/*']\n", []Target{{Name: "default", Path: "."}}, ""},
		{"unknown key in imagePullRequests", "imagePullRequests:\n  lables: [x]\n", nil, ".gitops.yaml:2: field lables not found in type imagePullRequests"},
		{"unknown key in an image group", "imagePullRequests:\n  groups:\n    - name: a\n      image: [x]\n", nil, ".gitops.yaml:4: field image not found in type image group"},
		{"image group without images", "imagePullRequests:\n  groups:\n    - name: a\n", nil, ".gitops.yaml:3: image group \"a\": images: lists no image repository"},
		{"duplicate image group", "imagePullRequests:\n  groups:\n    - name: a\n      images: [x]\n    - name: a\n      images: [y]\n", nil, ".gitops.yaml:5: image group \"a\" is defined twice (first at line 3)"},
		{"bad image group name", "imagePullRequests:\n  groups:\n    - name: A/B\n      images: [x]\n", nil, ".gitops.yaml:3: image group name \"A/B\""},
		{"bad image glob", "imagePullRequests:\n  groups:\n    - name: a\n      images: ['x[']\n", nil, ".gitops.yaml:3: image group \"a\": include: invalid glob"},
		{"empty label", "imagePullRequests:\n  labels: ['']\n", nil, ".gitops.yaml:2: imagePullRequests.labels: \"\" is not a valid name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse(File, []byte(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(cfg.Targets) != len(tt.want) {
				t.Fatalf("targets %+v, want %+v", cfg.Targets, tt.want)
			}
			for i, got := range cfg.Targets {
				w := tt.want[i]
				if got.Name != w.Name || got.Path != w.Path || got.Cluster != w.Cluster || got.ApplySet != w.ApplySet ||
					got.Line != w.Line || strings.Join(got.AllowNamespaces, ",") != strings.Join(w.AllowNamespaces, ",") {
					t.Errorf("target %d: %+v, want %+v", i, got, w)
				}
			}
		})
	}
}

func FuzzParseRepoConfig(f *testing.F) {
	f.Add([]byte("targets:\n  - name: prod\n    path: clusters/prod\n"))
	f.Add([]byte("images:\n  policies: []\ncomments: {showUnchanged: true}\n"))
	f.Add([]byte("targets: [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(File, data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), File) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if len(cfg.Targets) == 0 {
			t.Fatal("no target")
		}
		for _, tg := range cfg.Targets {
			if strings.HasPrefix(tg.Path, "..") || strings.HasPrefix(tg.Path, "/") {
				t.Fatalf("path %q escapes", tg.Path)
			}
		}
	})
}
