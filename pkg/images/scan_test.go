package images

import (
	"strings"
	"testing"
)

func TestScanPublicManifests(t *testing.T) {
	files, _ := readFixtures(t,
		"public/flux-get-started-podinfo-dep.yaml",
		"public/flux-get-started-ghost.yaml",
		"public/podinfo-backend-deployment.yaml",
		"public/podinfo-cronjob-backup-daily.yaml",
	)
	imgs, errs := Scan(files, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	type row struct {
		file      string
		line      int
		object    string
		container string
		value     string
		policy    string
		automated bool
		field     FieldKind
	}
	want := []row{
		{"public/flux-get-started-podinfo-dep.yaml", 30, "Deployment.apps demo/podinfo", "init", "alpine:3.10.1", "regex:^3.10.*", true, FieldImage},
		{"public/flux-get-started-podinfo-dep.yaml", 36, "Deployment.apps demo/podinfo", "podinfod", "stefanprodan/podinfo:2.1.0", "semver:~2.1", true, FieldImage},
		{"public/flux-get-started-ghost.yaml", 17, "HelmRelease.flux.weave.works demo/ghost", "chart-image", "bitnami/ghost:1.21.5-r0", "glob:1.21.*", false, FieldImage},
		{"public/podinfo-backend-deployment.yaml", 26, "Deployment.apps backend", "backend", "ghcr.io/stefanprodan/podinfo:6.1.1", "", false, FieldImage},
		{"public/podinfo-cronjob-backup-daily.yaml", 26, "CronJob.batch backup-daily", "backup", "ghcr.io/stefanprodan/podinfo:6.11.1", "", false, FieldImage},
	}
	if len(imgs) != len(want) {
		t.Fatalf("got %d images: %+v", len(imgs), imgs)
	}
	for i, w := range want {
		im := imgs[i]
		got := row{im.File, im.Line, im.Object.String(), im.Container, im.Value, im.Policy, im.Automated, im.Field}
		if got != w {
			t.Errorf("image %d:\n got %+v\nwant %+v", i, got, w)
		}
	}
	if p := imgs[4].pull; p == nil || p.ServiceAccount != "database" || p.Namespace != "default" {
		t.Errorf("pull secrets of the CronJob: %+v", p)
	}
}

const markerConfig = `images:
  policies:
    - name: podinfo
      image: ghcr.io/stefanprodan/podinfo
      semver: ">=6.0.0"
    - name: redis
      image: docker.io/library/redis
      semver: "7.x"
`

func TestScanMarkersAndKinds(t *testing.T) {
	rules := mustRules(t, markerConfig)
	src := `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
  namespace: apps
spec:
  values:
    image:
      repository: ghcr.io/stefanprodan/podinfo # {"$imagepolicy": "flux-system:podinfo:name"}
      tag: 6.0.0 # {"$imagepolicy": "flux-system:podinfo:tag"}
    redis:
      image: "redis:7.0.1" # {"$imagepolicy": "redis"}
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: p1}
  spec:
    containers:
    - {name: c, image: 'nginx:1.25'}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: versions
data:
  podinfo: ghcr.io/stefanprodan/podinfo:6.0.1 # {"$imagepolicy": "podinfo"}
  other: "1.0" # just a comment
`
	imgs, errs := Scan([]File{{Path: "apps/hr.yaml", Data: []byte(src)}}, rules)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	got := map[string]Image{}
	for _, im := range imgs {
		got[im.Path] = im
	}
	check := func(path string, line int, field FieldKind, policy, ref string, automated bool) {
		t.Helper()
		im, ok := got[path]
		if !ok {
			t.Fatalf("no image at %s; got %v", path, keys(got))
		}
		if im.Line != line || im.Field != field || im.Policy != policy || im.Ref.String() != ref || im.Automated != automated {
			t.Errorf("%s: line %d field %s policy %q ref %s automated %v", path, im.Line, im.Field, im.Policy, im.Ref, im.Automated)
		}
	}
	check("spec.values.image.repository", 9, FieldName, "", "ghcr.io/stefanprodan/podinfo", false)
	check("spec.values.image.tag", 10, FieldTag, "podinfo", "ghcr.io/stefanprodan/podinfo:6.0.0", true)
	check("spec.values.redis.image", 12, FieldImage, "redis", "redis:7.0.1", true)
	check("spec.containers[0].image", 22, FieldImage, "", "nginx:1.25", false)
	check("data.podinfo", 29, FieldImage, "podinfo", "ghcr.io/stefanprodan/podinfo:6.0.1", true)
	if len(imgs) != 5 {
		t.Errorf("got %d images, want 5: %v", len(imgs), keys(got))
	}
}

func keys(m map[string]Image) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestScanBadInput(t *testing.T) {
	rules := mustRules(t, markerConfig)
	tests := []struct {
		name, src string
		want      []string // each must appear in some error
		images    int      // images still listed
	}{
		{"unparseable image reference", `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      containers:
      - name: app
        image: "{{ .Values.image }}"
      - name: ok
        image: nginx:1.25
`, []string{`bad.yaml:9: Deployment.apps shop/web: container app: invalid image reference "{{ .Values.image }}"`}, 2},
		{"unknown policy syntax", `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    fluxcd.io/automated: "true"
    fluxcd.io/tag.app: semvar:~1.0
spec:
  template:
    spec:
      containers:
      - name: app
        image: nginx:1.25
`, []string{`bad.yaml:13: Deployment.apps web: container app: annotation fluxcd.io/tag.app: unknown policy syntax "semvar:~1.0"`}, 1},
		{"invalid semver range", `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  annotations:
    fluxcd.io/tag.db: semver:~>1.x.y.z
spec:
  template:
    spec:
      containers:
      - name: db
        image: postgres:16.1
`, []string{`bad.yaml:12: StatefulSet.apps db: container db: annotation fluxcd.io/tag.db: invalid semver range`}, 1},
		{"regex without named group (Flux v1 regex needs none)", `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  annotations:
    fluxcd.io/automated: "true"
    fluxcd.io/tag.agent: "regex:^(v1"
spec:
  template:
    spec:
      containers:
      - name: agent
        image: agent:v1.0
`, []string{"invalid regex"}, 1},
		{"unknown marker policy", `apiVersion: v1
kind: ConfigMap
metadata: {name: c}
data:
  img: nginx:1.25 # {"$imagepolicy": "nope"}
`, []string{`bad.yaml:5: ConfigMap c: marker names policy "nope", which is not defined in .gitops.yaml`}, 1},
		{"malformed marker", `apiVersion: v1
kind: ConfigMap
metadata: {name: c}
data:
  img: nginx:1.25 # {"$imagepolicy": podinfo}
`, []string{"bad.yaml:5: ConfigMap c: malformed marker comment"}, 1},
		{"marker on another repository", `apiVersion: v1
kind: ConfigMap
metadata: {name: c}
data:
  img: nginx:1.25 # {"$imagepolicy": "podinfo"}
`, []string{"is not the repository ghcr.io/stefanprodan/podinfo"}, 1},
		{"block scalar", `apiVersion: v1
kind: ConfigMap
metadata: {name: c}
data:
  img: | # {"$imagepolicy": "podinfo"}
    ghcr.io/stefanprodan/podinfo:6.0.0
`, []string{"block scalar"}, 1},
		{"YAML syntax error", "apiVersion: v1\nkind: [\n", []string{"bad.yaml: parse YAML"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			imgs, errs := Scan([]File{{Path: "bad.yaml", Data: []byte(tt.src)}}, rules)
			if len(imgs) != tt.images {
				t.Errorf("listed %d images, want %d", len(imgs), tt.images)
			}
			var all []string
			for _, e := range errs {
				all = append(all, e.Error())
			}
			joined := strings.Join(all, "\n")
			for _, w := range tt.want {
				if !strings.Contains(joined, w) {
					t.Errorf("errors:\n%s\nwant one containing %q", joined, w)
				}
			}
			for _, im := range imgs {
				if im.Err != nil && im.Automated {
					t.Errorf("%s: image with an error is still automated", im.Where())
				}
			}
		})
	}
}

func TestScanKeepsGoingAfterBadFile(t *testing.T) {
	files := []File{
		{Path: "a.yaml", Data: []byte("kind: [\n")},
		{Path: "b.yaml", Data: []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: nginx:1}\n")},
	}
	imgs, errs := Scan(files, nil)
	if len(errs) != 1 || len(imgs) != 1 || imgs[0].File != "b.yaml" {
		t.Fatalf("imgs %v errs %v", imgs, errs)
	}
}

// Lines are the file's lines ('\n'-counted) even where YAML sees more line breaks.
func TestScanLinesAreFileLines(t *testing.T) {
	src := "kind: Pod\rmetadata: {name: p, annotations: {a: \"x\u2028y\"}}\r\nspec:\n  containers:\n  - name: c\n    image: nginx:1.25\n"
	imgs, errs := Scan([]File{{Path: "f.yaml", Data: []byte(src)}}, nil)
	if len(errs) > 0 || len(imgs) != 1 {
		t.Fatalf("imgs %v errs %v", imgs, errs)
	}
	if imgs[0].Line != 5 {
		t.Fatalf("image on line %d, want 5", imgs[0].Line)
	}
}
