package manifest

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestDiscoverFiles(t *testing.T) {
	outside := t.TempDir()
	writeFiles(t, outside, map[string]string{"secret.yaml": cm("outside"), "dir/x.yaml": cm("x")})

	tree := map[string]string{
		"a.yaml":                        cm("a"),
		"b.yml":                         cm("b"),
		"UPPER.YAML":                    cm("upper"),
		"c.json":                        `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}`,
		"notes.txt":                     "hello",
		"main.jsonnet":                  "{}",
		".hidden.yaml":                  cm("hidden"),
		".git/config.yaml":              cm("git"),
		".github/workflows/ci.yaml":     "name: ci\non: push\n",
		"apps/web/deploy.yaml":          cm("web"),
		"apps/web/values.yaml":          "replicas: 2\n",
		"apps/.cache/x.yaml":            cm("cache"),
		"charts/app/Chart.yaml":         "name: app\nversion: 1.0.0\n",
		"charts/app/values.yaml":        "x: 1\n",
		"charts/app/templates/dep.yaml": "{{ .Values.x }}\n",
		"charts/app/sub/more.yaml":      cm("more"),
		"charts/plain.yaml":             cm("plain"),
		"kust/kustomization.yaml":       "resources: [cm.yaml]\n",
		"kust/cm.yaml":                  cm("k"),
		"kust/sub/x.yaml":               cm("kx"),
		"kyml/kustomization.yml":        "resources: [cm.yaml]\n",
		"kyml/cm.yaml":                  cm("ky"),
		"kbare/Kustomization":           "resources: [cm.yaml]\n",
		"kbare/cm.yaml":                 cm("kb"),
		"component/kustomization.yaml":  "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n",
		"component/patch.yaml":          cm("comp"),
		"gen/.gitops.yaml":              "version: 1\ngenerators:\n  - command: cat x.yaml\n",
		"gen/x.yaml":                    cm("gen"),
		"links/in.yaml":                 symlinkPrefix + "../a.yaml",
		"links/out.yaml":                symlinkPrefix + filepath.Join(outside, "secret.yaml"),
		"links/dir":                     symlinkPrefix + filepath.Join(outside, "dir"),
		"links/broken.yaml":             symlinkPrefix + "nowhere.yaml",
		"z/empty/":                      "",
	}
	root := writeTree(t, tree)

	tests := []struct {
		name  string
		paths []string
		want  []string
	}{
		{
			name: "whole tree",
			want: []string{"UPPER.YAML", "a.yaml", "apps/web/deploy.yaml", "apps/web/values.yaml", "b.yml", "charts/plain.yaml", "links/in.yaml"},
		},
		{
			name:  "one directory",
			paths: []string{"apps"},
			want:  []string{"apps/web/deploy.yaml", "apps/web/values.yaml"},
		},
		{
			name:  "a file, a dot-directory named explicitly, overlapping paths once",
			paths: []string{"b.yml", "apps/.cache", "apps", "apps/web", "./b.yml"},
			want:  []string{"b.yml", "apps/.cache/x.yaml", "apps/web/deploy.yaml", "apps/web/values.yaml"},
		},
		{
			name:  "a chart directory yields nothing",
			paths: []string{"charts/app"},
			want:  nil,
		},
		{
			name:  "kustomize and generator directories are not plain files",
			paths: []string{"kust", "gen", "component"},
			want:  nil,
		},
		{
			name:  "overlapping paths: the kustomization owns its subdirectory",
			paths: []string{"kust/sub", "kust"},
			want:  nil,
		},
		{
			name:  "inside a kustomize directory when asked explicitly",
			paths: []string{"kust/sub"},
			want:  []string{"kust/sub/x.yaml"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DiscoverFiles(root, tt.paths...)
			if err != nil {
				t.Fatalf("DiscoverFiles: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestDiscoverBadPaths(t *testing.T) {
	outside := t.TempDir()
	root := writeTree(t, map[string]string{
		"apps/a.yaml":  cm("a"),
		"notes.txt":    "x",
		"escape":       symlinkPrefix + outside,
		"escape.yaml":  symlinkPrefix + filepath.Join(outside, "nothing.yaml"),
		"apps/up.yaml": symlinkPrefix + "../../",
	})
	tests := []struct {
		path string
		want string
	}{
		{"missing", `path "missing" does not exist`},
		{"../", `path "../" escapes the source root`},
		{"apps/../../x", `escapes the source root`},
		{"/etc", `must be relative to the source root`},
		{"", "path is empty"},
		{"escape", "outside the source root"},
		{"escape.yaml", "outside the source root"},
		{"notes.txt", "neither a directory nor a .yaml/.yml file"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := DiscoverFiles(root, tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("DiscoverFiles(%q) error = %v, want %q", tt.path, err, tt.want)
			}
			objs, err := Load(context.Background(), root, WithPaths(tt.path))
			if err == nil || objs != nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load(%q) = %d objects, error %v, want %q", tt.path, len(objs), err, tt.want)
			}
		})
	}
	if _, err := DiscoverFiles(filepath.Join(root, "nope")); err == nil {
		t.Error("missing root: no error")
	}
	if _, err := DiscoverFiles(filepath.Join(root, "notes.txt")); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("file as root: %v", err)
	}
}

func TestLoadDiscoveryRules(t *testing.T) {
	outside := t.TempDir()
	writeFiles(t, outside, map[string]string{"secret.yaml": cm("outside")})
	root := writeTree(t, map[string]string{
		"a.yaml":                       cm("a"),
		"c.json":                       `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}`,
		".github/workflows/ci.yaml":    "name: ci\non: push\n",
		"apps/values.yaml":             "replicas: 2\n",
		"apps/web.yaml":                cm("web"),
		"charts/app/Chart.yaml":        "name: app\n",
		"charts/app/templates/x.yaml":  "{{ if .Values.x }}\n",
		"kust/kustomization.yaml":      "resources: [cm.yaml]\n",
		"kust/cm.yaml":                 cm("k"),
		"kust/sub/broken.yaml":         "this: is: not: yaml\n",
		"component/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [x.yaml]\n",
		"links/out.yaml":               symlinkPrefix + filepath.Join(outside, "secret.yaml"),
	})
	objs, err := Load(context.Background(), root)
	want := []string{"a.yaml:1 ConfigMap a", "apps/web.yaml:1 ConfigMap web", "kust/cm.yaml:1 ConfigMap k"}
	if got := describe(objs); !slices.Equal(got, want) {
		t.Errorf("objects %q\nwant %q", got, want)
	}
	errs := manifestErrors(t, err)
	if len(errs) != 1 || errs[0].Source.File != "links/out.yaml" || !strings.Contains(errs[0].Error(), "outside the source root") {
		t.Errorf("errors = %v, want one for links/out.yaml outside the root", err)
	}
}

func TestLoadOrderIsDeterministic(t *testing.T) {
	files := map[string]string{}
	var want []string
	for _, d := range []string{"a", "b", "c"} {
		for _, f := range []string{"1", "2", "3", "4"} {
			name := d + "/" + f + ".yaml"
			files[name] = cm(d+f+"x") + "---\n" + cm(d+f+"y")
			want = append(want, name+":1 ConfigMap "+d+f+"x", name+":6 ConfigMap "+d+f+"y")
		}
	}
	files["k/kustomization.yaml"] = "resources: [z.yaml, y.yaml]\n"
	files["k/y.yaml"] = cm("ky")
	files["k/z.yaml"] = cm("kz")
	want = append(want, "k/z.yaml:1 ConfigMap kz", "k/y.yaml:1 ConfigMap ky") // kustomization order
	root := writeTree(t, files)
	for _, n := range []int{1, 3, 16} {
		objs, err := Load(context.Background(), root, WithConcurrency(n))
		if err != nil {
			t.Fatal(err)
		}
		if got := describe(objs); !slices.Equal(got, want) {
			t.Errorf("concurrency %d:\n got %q\nwant %q", n, got, want)
		}
	}
}

func TestLoadCanceled(t *testing.T) {
	root := writeTree(t, map[string]string{"a.yaml": cm("a")})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	objs, err := Load(ctx, root)
	if err == nil || objs != nil {
		t.Fatalf("got %d objects, %v; want a cancellation error", len(objs), err)
	}
}

func TestLoadUnreadableDirectory(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root reads every directory")
	}
	root := writeTree(t, map[string]string{"a.yaml": cm("a"), "locked/b.yaml": cm("b")})
	locked := filepath.Join(root, "locked")
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(locked, 0o755) })
	objs, err := Load(context.Background(), root)
	errs := manifestErrors(t, err)
	if len(objs) != 1 || len(errs) != 1 || errs[0].Source.File != "locked" {
		t.Fatalf("got %d objects, errors %v", len(objs), err)
	}
}

func TestLoadLogsSkips(t *testing.T) {
	root := writeTree(t, map[string]string{
		"values.yaml":             "replicas: 2\n",
		"a.yaml":                  cm("a") + "---\nname: ci\non: push\n",
		".github/ci.yaml":         "name: ci\n",
		"chart/Chart.yaml":        "name: c\n",
		"comp/kustomization.yaml": "kind: Component\n",
	})
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	objs, err := Load(context.Background(), root, WithLogger(log))
	if err != nil || len(objs) != 1 {
		t.Fatalf("got %d objects, %v", len(objs), err)
	}
	for _, want := range []string{
		"source=values.yaml:1 reason=\"no apiVersion and no kind\"",
		"source=a.yaml:6",
		"skipping dot-directory\" dir=.github",
		"skipping Helm chart directory\" dir=chart",
		"dir=comp",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, buf.String())
		}
	}
}
