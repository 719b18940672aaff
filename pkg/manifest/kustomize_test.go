package manifest

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const baseDeployment = `# the base
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.25
`

const baseService = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web-canary
spec:
  selector:
    app: web
  ports:
  - port: 80
`

func TestKustomizeBaseOverlay(t *testing.T) {
	root := writeTree(t, map[string]string{
		"apps/base/kustomization.yaml": "resources:\n- deployment.yaml\n- service.yaml\n",
		"apps/base/deployment.yaml":    baseDeployment,
		"apps/base/service.yaml":       baseService,
		"apps/prod/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: prod
namePrefix: prod-
resources:
- ../base
- hpa.yaml
patches:
- path: replicas.yaml
configMapGenerator:
- name: settings
  literals: [LEVEL=info]
images:
- name: nginx
  newTag: "1.26"
`,
		"apps/prod/hpa.yaml": `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5
`,
		"apps/prod/replicas.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n",
	})
	tests := []struct {
		name  string
		paths []string
		want  []string
	}{
		{
			name:  "overlay",
			paths: []string{"apps/prod"},
			want: []string{
				"apps/base/deployment.yaml:2 Deployment.apps prod/prod-web",
				"apps/base/service.yaml:1 Service prod/prod-web",
				"apps/base/service.yaml:11 Service prod/prod-web-canary",
				"apps/prod/hpa.yaml:1 HorizontalPodAutoscaler.autoscaling prod/prod-web",
				"apps/prod/kustomization.yaml ConfigMap prod/prod-settings-2748f727mg",
			},
		},
		{
			name: "whole tree builds base and overlay separately",
			want: []string{
				"apps/base/deployment.yaml:2 Deployment.apps web",
				"apps/base/service.yaml:1 Service web",
				"apps/base/service.yaml:11 Service web-canary",
				"apps/base/deployment.yaml:2 Deployment.apps prod/prod-web",
				"apps/base/service.yaml:1 Service prod/prod-web",
				"apps/base/service.yaml:11 Service prod/prod-web-canary",
				"apps/prod/hpa.yaml:1 HorizontalPodAutoscaler.autoscaling prod/prod-web",
				"apps/prod/kustomization.yaml ConfigMap prod/prod-settings-2748f727mg",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Load(context.Background(), root, WithPaths(tt.paths...))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := describe(objs); !slices.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			for _, o := range objs {
				if md := o.Obj.Object["metadata"].(map[string]interface{}); md["annotations"] != nil {
					t.Errorf("%s: annotations left behind: %v", o.ID(), md["annotations"])
				}
			}
		})
	}
	objs, _ := Load(context.Background(), root, WithPaths("apps/prod"))
	dep := objs[0].Obj
	if r, _, _ := unstructuredInt(dep.Object, "spec", "replicas"); r != 3 {
		t.Errorf("patch not applied: replicas %d", r)
	}
	if !strings.Contains(describeContainers(dep.Object), "nginx:1.26") {
		t.Errorf("image not set: %s", describeContainers(dep.Object))
	}
}

func TestKustomizeOriginAnnotations(t *testing.T) {
	tests := []struct {
		name      string
		kust      string
		wantKept  bool
		wantLabel bool
	}{
		{name: "added for sources, then removed", kust: "resources: [cm.yaml]\n"},
		{name: "other build metadata kept working", kust: "buildMetadata: [managedByLabel]\nresources: [cm.yaml]\n", wantLabel: true},
		{name: "kept when the kustomization asks for them", kust: "buildMetadata:\n- originAnnotations\nresources: [cm.yaml]\n", wantKept: true},
		{name: "flow mapping kustomization", kust: "{resources: [cm.yaml]}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, map[string]string{
				"k/kustomization.yaml": tt.kust,
				"k/cm.yaml":            "# x\n" + cm("a"),
			})
			objs, err := Load(context.Background(), root)
			if err != nil {
				t.Fatal(err)
			}
			if len(objs) != 1 || objs[0].Source.String() != "k/cm.yaml:2" {
				t.Fatalf("got %q", describe(objs))
			}
			got, kept := objs[0].Obj.GetAnnotations()[originAnnotation]
			if kept != tt.wantKept || (kept && !strings.Contains(got, "path: cm.yaml")) {
				t.Errorf("origin annotation = %q (present %v), want present %v", got, kept, tt.wantKept)
			}
			if _, ok := objs[0].Obj.GetLabels()["app.kubernetes.io/managed-by"]; ok != tt.wantLabel {
				t.Errorf("labels = %v, want managed-by label %v", objs[0].Obj.GetLabels(), tt.wantLabel)
			}
			data, _ := os.ReadFile(filepath.Join(root, "k", "kustomization.yaml"))
			if string(data) != tt.kust {
				t.Errorf("kustomization.yaml on disk changed to %q", data)
			}
		})
	}
}

func TestKustomizeRefused(t *testing.T) {
	outside := t.TempDir()
	writeFiles(t, outside, map[string]string{
		"base/kustomization.yaml": "resources: [cm.yaml]\n",
		"base/cm.yaml":            cm("outside"),
		"secret.env":              "PASSWORD=hunter2\n",
	})
	tests := []struct {
		name     string
		files    map[string]string
		wantFile string
		wantLine int
		wantMsg  string
	}{
		{
			name:     "base outside the root",
			files:    map[string]string{"k/kustomization.yaml": "resources:\n- ../../" + filepath.Base(outside) + "/base\n"},
			wantFile: "k/kustomization.yaml", wantLine: 2,
			wantMsg: "leads outside the source root",
		},
		{
			name:     "absolute path",
			files:    map[string]string{"k/kustomization.yaml": "resources:\n- " + filepath.Join(outside, "base") + "\n"},
			wantFile: "k/kustomization.yaml", wantLine: 2,
			wantMsg: "leads outside the source root",
		},
		{
			name:     "generator file outside the root",
			files:    map[string]string{"k/kustomization.yaml": "secretGenerator:\n- name: s\n  envs:\n  - " + filepath.Join(outside, "secret.env") + "\n"},
			wantFile: "k/kustomization.yaml", wantLine: 4,
			wantMsg: "secretGenerator[0].envs[0]",
		},
		{
			name: "symlink in the repo pointing outside",
			files: map[string]string{
				"k/kustomization.yaml": "resources:\n- ../link\n",
				"link":                 symlinkPrefix + filepath.Join(outside, "base"),
			},
			wantFile: "k/kustomization.yaml", wantLine: 2,
			wantMsg: "outside the source root",
		},
		{
			name: "escape from a base, reported where it is written",
			files: map[string]string{
				"k/kustomization.yaml":    "resources:\n- ../base\n",
				"base/kustomization.yaml": "resources:\n- cm.yaml\nconfigMapGenerator:\n- name: x\n  files:\n  - pw=../../" + filepath.Base(outside) + "/secret.env\n",
				"base/cm.yaml":            cm("a"),
			},
			wantFile: "base/kustomization.yaml", wantLine: 6,
			wantMsg: "configMapGenerator[0].files[0]",
		},
		{
			name:     "https resource",
			files:    map[string]string{"k/kustomization.yaml": "resources:\n- cm.yaml\n- https://raw.githubusercontent.com/org/repo/main/deploy.yaml\n", "k/cm.yaml": cm("a")},
			wantFile: "k/kustomization.yaml", wantLine: 3,
			wantMsg: `resources[1]: remote reference "https://raw.githubusercontent.com/org/repo/main/deploy.yaml" is not allowed`,
		},
		{
			name:     "github shorthand base",
			files:    map[string]string{"k/kustomization.yaml": "resources:\n- github.com/kubernetes-sigs/kustomize//examples/multibases?ref=v1.0.6\n"},
			wantFile: "k/kustomization.yaml", wantLine: 2,
			wantMsg: "remote reference",
		},
		{
			name:     "scp-like git URL in bases",
			files:    map[string]string{"k/kustomization.yaml": "bases:\n- git@github.com:org/repo.git//deploy\n"},
			wantFile: "k/kustomization.yaml", wantLine: 2,
			wantMsg: "remote reference",
		},
		{
			name:     "ssh component",
			files:    map[string]string{"k/kustomization.yaml": "components:\n  - ssh://git@example.com/org/repo.git//comp?ref=v1\n"},
			wantFile: "k/kustomization.yaml", wantLine: 2,
			wantMsg: "remote reference",
		},
		{
			name:     "remote patch",
			files:    map[string]string{"k/kustomization.yaml": "resources: [cm.yaml]\npatches:\n- path: http://example.com/patch.yaml\n", "k/cm.yaml": cm("a")},
			wantFile: "k/kustomization.yaml", wantLine: 3,
			wantMsg: "patches[0].path: remote reference",
		},
		{
			name:     "go-getter style",
			files:    map[string]string{"k/kustomization.yaml": "resources:\n- git::https://example.com/org/repo\n"},
			wantFile: "k/kustomization.yaml", wantLine: 2,
			wantMsg: "remote reference",
		},
		{
			name:     "remote from inside a local base",
			files:    map[string]string{"k/kustomization.yaml": "resources: [../base]\n", "base/kustomization.yaml": "resources:\n  - https://example.com/x.yaml\n"},
			wantFile: "base/kustomization.yaml", wantLine: 2,
			wantMsg: "remote reference",
		},
		{
			name:     "helm charts",
			files:    map[string]string{"k/kustomization.yaml": "helmCharts:\n- name: podinfo\n  repo: https://stefanprodan.github.io/podinfo\n"},
			wantFile: "k/kustomization.yaml", wantLine: 1,
			wantMsg: "Helm chart inflation is not supported",
		},
		{
			name:     "exec plugin transformer",
			files:    map[string]string{"k/kustomization.yaml": "resources: [cm.yaml]\ntransformers: [plugin.yaml]\n", "k/cm.yaml": cm("a"), "k/plugin.yaml": "apiVersion: example.com/v1\nkind: Run\nmetadata:\n  name: x\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: ./script.sh\n"},
			wantFile: "k/kustomization.yaml",
			wantMsg:  "kustomize build",
		},
		{
			name:     "malformed kustomization",
			files:    map[string]string{"k/kustomization.yaml": "resources:\n- a.yaml\n  - b.yaml: [\n"},
			wantFile: "k/kustomization.yaml", wantLine: 3,
			wantMsg: "invalid YAML",
		},
		{
			name:     "missing resource names the kustomization, relative paths only",
			files:    map[string]string{"k/kustomization.yaml": "resources: [nothere.yaml]\n"},
			wantFile: "k/kustomization.yaml",
			wantMsg:  "nothere.yaml",
		},
		{
			name:     "old apiVersion",
			files:    map[string]string{"k/kustomization.yaml": "apiVersion: v1\nkind: Kustomization\nresources: [cm.yaml]\n", "k/cm.yaml": cm("a")},
			wantFile: "k/kustomization.yaml",
			wantMsg:  "apiVersion for Kustomization should be kustomize.config.k8s.io/v1beta1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Roots are siblings of outside (both under the test's temp dir), so
			// ../../<outside> from root/k really resolves there.
			root := filepath.Join(filepath.Dir(outside), "root-"+strings.ReplaceAll(tt.name, " ", "-"))
			writeFiles(t, root, tt.files)
			objs, err := Load(context.Background(), root, WithPaths("k"))
			errs := manifestErrors(t, err)
			if len(errs) == 0 {
				t.Fatalf("no error; objects %q", describe(objs))
			}
			e := errs[0]
			if e.Source.File != tt.wantFile || e.Source.Line != tt.wantLine || !strings.Contains(e.Error(), tt.wantMsg) {
				t.Errorf("error = %q at %s, want %s:%d containing %q", e, e.Source, tt.wantFile, tt.wantLine, tt.wantMsg)
			}
			if strings.Contains(e.Error(), root) {
				t.Errorf("error names the absolute root: %q", e)
			}
			for _, o := range objs {
				if strings.Contains(o.Obj.GetName(), "outside") {
					t.Errorf("read outside the root: %s", o.ID())
				}
			}
		})
	}
}

// TestRootFSRefusesEscapes covers the file system Kustomize sees, the second line of
// defence behind the kustomization checks.
func TestRootFSRefusesEscapes(t *testing.T) {
	outside := t.TempDir()
	writeFiles(t, outside, map[string]string{"x.yaml": cm("x")})
	dir := writeTree(t, map[string]string{"in.yaml": cm("in"), "link.yaml": symlinkPrefix + filepath.Join(outside, "x.yaml"), "sub/" + "a.yaml": cm("a")})
	root, err := newSourceRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	fsys := newRootFS(context.Background(), root, root.dir, nil)
	if _, err := fsys.ReadFile(filepath.Join(root.dir, "in.yaml")); err != nil {
		t.Errorf("read inside: %v", err)
	}
	for _, p := range []string{filepath.Join(outside, "x.yaml"), filepath.Join(root.dir, "link.yaml"), filepath.Join(root.dir, "sub", "..", "..", filepath.Base(outside), "x.yaml")} {
		if _, err := fsys.ReadFile(p); err == nil || !strings.Contains(err.Error(), "outside the source root") {
			t.Errorf("ReadFile(%s) = %v, want refusal", p, err)
		}
		if fsys.Exists(p) {
			t.Errorf("Exists(%s) = true", p)
		}
	}
	if _, _, err := fsys.CleanedAbs(outside); err == nil {
		t.Error("CleanedAbs outside: no error")
	}
	if err := fsys.WriteFile(filepath.Join(root.dir, "new.yaml"), nil); err == nil {
		t.Error("WriteFile: no error")
	}
	if m, err := fsys.Glob(filepath.Join(root.dir, "*.yaml")); err != nil || len(m) != 1 {
		t.Errorf("Glob = %v, %v; want only in.yaml", m, err)
	}
}

func TestIsRemote(t *testing.T) {
	tests := []struct {
		in        string
		localFile bool
		want      bool
	}{
		{"https://example.com/x.yaml", false, true},
		{"HTTP://example.com/x.yaml", false, true},
		{"github.com/org/repo//dir?ref=v1", false, true},
		{"GitHub.com:org/repo", false, true},
		{"git@gitlab.com:org/repo.git", false, true},
		{"git::https://example.com/org/repo", false, true},
		{"file:///etc/repo", false, true},
		{"https://example.com/x.yaml", true, true},
		{"admin@config.yaml", true, false},
		{"../base", false, false},
		{"deployment.yaml", false, false},
		{"overlays/github.com-mirror", false, false},
	}
	for _, tt := range tests {
		if got := isRemote(tt.in, tt.localFile); got != tt.want {
			t.Errorf("isRemote(%q, %v) = %v, want %v", tt.in, tt.localFile, got, tt.want)
		}
	}
}

func unstructuredInt(obj map[string]interface{}, fields ...string) (int64, bool, error) {
	var cur interface{} = obj
	for _, f := range fields {
		m, ok := cur.(map[string]interface{})
		if !ok {
			return 0, false, nil
		}
		cur = m[f]
	}
	v, ok := cur.(int64)
	return v, ok, nil
}

func describeContainers(obj map[string]interface{}) string {
	spec := obj["spec"].(map[string]interface{})["template"].(map[string]interface{})["spec"].(map[string]interface{})
	var b strings.Builder
	for _, c := range spec["containers"].([]interface{}) {
		b.WriteString(c.(map[string]interface{})["image"].(string) + " ")
	}
	return b.String()
}
