package images

import (
	"strings"
	"testing"
	"time"
)

const goodConfig = `# repository settings
generators:
  - command: ./gen.sh
images:
  exclude: ["internal.example.com/*"]
  policies:
    - name: podinfo
      image: ghcr.io/stefanprodan/podinfo
      semver: ">=6.0.0 <7"
    - name: app
      image: registry.example.com/app
      regex: '^main-[0-9a-f]+-(?P<ts>[0-9]+)$'
      extract: ts
      direction: desc
    - name: nightly
      image: ghcr.io/acme/tool
      glob: 'nightly-*'
      minAge: 7d
`

func TestParseConfig(t *testing.T) {
	cfg, lines, err := ParseConfig(ConfigFile, []byte(goodConfig))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := cfg.Rules(ConfigFile, lines)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules.Policies) != 3 {
		t.Fatalf("policies: %v", rules.Policies)
	}
	if got := rules.Policies["podinfo"].Source; got != ".gitops.yaml:7" {
		t.Errorf("source = %s", got)
	}
	if got := rules.Policies["nightly"].MinAge; got != 7*24*time.Hour {
		t.Errorf("minAge = %s", got)
	}
	rp := rules.Policies["app"].Policy.(*RegexPolicy)
	if !rp.Descending || rp.Order != OrderNumerical {
		t.Errorf("regex policy = %+v", rp)
	}
	ex, _ := ParseReference("internal.example.com/x:1")
	k8s, _ := ParseReference("registry.k8s.io/pause:3.9")
	ok, _ := ParseReference("nginx:1")
	if rules.Filter.Allows(ex) || !rules.Filter.Allows(k8s) || !rules.Filter.Allows(ok) {
		t.Error("configured exclude replaces the default one")
	}
}

func TestParseConfigEmpty(t *testing.T) {
	for _, in := range []string{"", "generators: []\n", "# only a comment\n"} {
		cfg, _, err := ParseConfig(ConfigFile, []byte(in))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		rules, err := cfg.Rules(ConfigFile, nil)
		if err != nil {
			t.Fatal(err)
		}
		k8s, _ := ParseReference("registry.k8s.io/pause:3.9")
		gcr, _ := ParseReference("k8s.gcr.io/pause:3.9")
		if rules.Filter.Allows(k8s) || rules.Filter.Allows(gcr) {
			t.Error("default exclude not applied")
		}
	}
}

func TestConfigBadInput(t *testing.T) {
	tests := []struct {
		name, yaml string
		errs       []string
	}{
		{"unknown key", "images:\n  policies:\n    - name: a\n      image: nginx\n      semvr: '1'\n", []string{".gitops.yaml: images: line 5: field semvr not found in type policy"}},
		{"syntax", "images: [\n", []string{".gitops.yaml: images:"}},
		{"unknown top-level key", "images: {}\nimagez: {}\n", []string{`.gitops.yaml:2: unknown key "imagez" (known: version, generators, images,`}},
		{"invalid semver range", "images:\n  policies:\n    - name: a\n      image: nginx\n      semver: '~>1.x.y.z'\n",
			[]string{".gitops.yaml:3: images.policies[0] (a): invalid semver range"}},
		{"regex without named group", "images:\n  policies:\n    - name: b\n      image: nginx\n      regex: '^main-[0-9]+$'\n",
			[]string{".gitops.yaml:3: images.policies[0] (b): regex \"^main-[0-9]+$\" has no named group"}},
		{"two kinds", "images:\n  policies:\n    - name: c\n      image: nginx\n      semver: '1'\n      glob: '*'\n", []string{"exactly one of semver, regex and glob"}},
		{"no image", "images:\n  policies:\n    - name: d\n      semver: '1'\n", []string{"image is required"}},
		{"tagged image", "images:\n  policies:\n    - name: e\n      image: nginx:1\n      semver: '1'\n", []string{"without tag or digest"}},
		{"bad name", "images:\n  policies:\n    - name: 'a b'\n      image: nginx\n      semver: '1'\n", []string{`invalid name "a b"`}},
		{"duplicate", "images:\n  policies:\n    - {name: f, image: nginx, semver: '1'}\n    - {name: f, image: nginx, glob: '*'}\n", []string{`duplicate policy name "f"`}},
		{"bad min age", "images:\n  policies:\n    - {name: g, image: nginx, semver: '1', minAge: soon}\n", []string{`invalid minAge "soon"`}},
		{"bad direction", "images:\n  policies:\n    - {name: h, image: nginx, regex: '(?P<n>x)', direction: up}\n", []string{`invalid direction "up"`}},
		{"every bad policy reported", "images:\n  policies:\n    - {name: i, image: nginx, semver: '~>1.x.y.z'}\n    - {name: j, image: nginx, regex: '^x$'}\n",
			[]string{"(i): invalid semver range", "(j): regex"}},
		{"bad exclude glob", "images:\n  exclude: ['x[']\n", []string{"exclude: invalid glob"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, lines, err := ParseConfig(ConfigFile, []byte(tt.yaml))
			if err == nil {
				_, err = cfg.Rules(ConfigFile, lines)
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, want := range tt.errs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v\nwant containing %q", err, want)
				}
			}
		})
	}
}

func TestImageFilter(t *testing.T) {
	f, err := NewImageFilter([]string{"ghcr.io/acme/*", "docker.io/library/*"}, []string{"ghcr.io/acme/secret*"})
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]bool{
		"ghcr.io/acme/app:1":       true,
		"ghcr.io/acme/team/app:1":  true, // '*' crosses '/'
		"ghcr.io/acme/secret-db:1": false,
		"nginx:1":                  true, // familiar docker.io form
		"ghcr.io/other/app:1":      false,
	} {
		ref, err := ParseReference(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Allows(ref); got != want {
			t.Errorf("%s: Allows = %v, want %v", in, got, want)
		}
	}
	more, err := f.Extend(nil, []string{"nginx"})
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := ParseReference("nginx:1")
	if more.Allows(ref) {
		t.Error("Extend did not add the exclude")
	}
}
