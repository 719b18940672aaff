package images

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
)

// fleet is a small repository: a Flux v1 automated Deployment, a CronJob bound to a
// .gitops.yaml policy by a marker, an unautomated Deployment, and a kustomization-free
// layout pkg/manifest discovers.
func fleet(host string) map[string]string {
	return map[string]string{
		".gitops.yaml": fmt.Sprintf(`images:
  policies:
    - name: worker
      image: %s/shop/worker
      regex: '^main-[a-z0-9]+-(?P<ts>[0-9]+)$'
`, host),
		"apps/web.yaml": fmt.Sprintf(`# Shop front end.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    fluxcd.io/automated: "true"
    fluxcd.io/tag.web: semver:~1.1   # minor and patch only
spec:
  template:
    spec:
      containers:
        - name: web
          image: "%s/shop/web:1.1.0"
`, host),
		"apps/jobs.yaml": fmt.Sprintf(`apiVersion: batch/v1
kind: CronJob
metadata: {name: worker, namespace: shop}
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: worker
            image: %s/shop/worker:main-aaa-100 # {"$imagepolicy": "worker"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: admin, namespace: shop}
spec:
  template:
    spec:
      containers:
      - name: admin
        image: %s/shop/web:1.0.0
`, host, host),
	}
}

func seedRegistry(t *testing.T) string {
	reg := newRegistry(t)
	push(t, reg.Host(), "shop/web", "1.0.0", "1.1.0", "1.1.3", "1.2.0")
	push(t, reg.Host(), "shop/worker", "main-aaa-100", "main-bbb-300", "main-ccc-200")
	return reg.Host()
}

func TestListTable(t *testing.T) {
	host := seedRegistry(t)
	dir := t.TempDir()
	writeFiles(t, dir, fleet(host))
	out, errOut, err := run(t, append([]string{"list", dir}, quiet(t.TempDir())...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	for _, want := range []string{
		"SOURCE", "STATUS",
		"apps/jobs.yaml:12", "CronJob.batch shop/worker", "worker", "main-bbb-300", "update",
		"apps/jobs.yaml:22", "Deployment.apps shop/admin", "manual",
		"apps/web.yaml:15", "semver:~1.1", "1.1.3",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestListJSONWithoutScanning(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, fleet("registry.invalid"))
	out, _, err := run(t, append([]string{"list", dir, "-o", "json", "--registry-disable-scanning"}, quiet(t.TempDir())...)...)
	if err != nil {
		t.Fatal(err)
	}
	var rep images.ListReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(rep.Images) != 3 || len(rep.Requests) != 0 {
		t.Fatalf("report %+v", rep)
	}
	for _, r := range rep.Images {
		if r.Container == "web" && (r.Status != images.StatusSkipped || r.Policy != "semver:~1.1" || r.Line != 15) {
			t.Errorf("web: %+v", r)
		}
	}
}

func TestUpdateRewritesOnlyTags(t *testing.T) {
	host := seedRegistry(t)
	dir := t.TempDir()
	files := fleet(host)
	writeFiles(t, dir, files)

	// --dry-run writes nothing.
	out, _, err := run(t, append([]string{"update", dir, "--dry-run"}, quiet(t.TempDir())...)...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Would update 2 image(s) in 2 file(s).") {
		t.Fatalf("dry run output:\n%s", out)
	}
	if readFile(t, filepath.Join(dir, "apps/web.yaml")) != files["apps/web.yaml"] {
		t.Fatal("dry run wrote a file")
	}

	out, errOut, err := run(t, append([]string{"update", dir, "-o", "json"}, quiet(t.TempDir())...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	var rep images.UpdateReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.SchemaVersion != images.UpdateSchemaVersion || len(rep.Updates) != 2 || strings.Join(rep.Files, ",") != "apps/jobs.yaml,apps/web.yaml" {
		t.Fatalf("report %+v", rep)
	}
	wantWeb := strings.Replace(files["apps/web.yaml"], "shop/web:1.1.0\"", "shop/web:1.1.3\"", 1)
	wantJobs := strings.Replace(files["apps/jobs.yaml"], "worker:main-aaa-100 #", "worker:main-bbb-300 #", 1)
	if got := readFile(t, filepath.Join(dir, "apps/web.yaml")); got != wantWeb {
		t.Errorf("web.yaml:\n%s", got)
	}
	if got := readFile(t, filepath.Join(dir, "apps/jobs.yaml")); got != wantJobs {
		t.Errorf("jobs.yaml:\n%s", got)
	}

	// Nothing left to do the second time.
	out, _, err = run(t, append([]string{"update", dir}, quiet(t.TempDir())...)...)
	if err != nil || !strings.Contains(out, "No image to update.") {
		t.Fatalf("second run: %v\n%s", err, out)
	}
}

func TestUpdateIsolatesFailures(t *testing.T) {
	host := seedRegistry(t)
	dir := t.TempDir()
	files := fleet(host)
	files["apps/broken.yaml"] = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: gone
  annotations: {fluxcd.io/automated: "true"}
spec:
  template:
    spec:
      containers:
      - name: app
        image: 127.0.0.1:1/nowhere/app:1.0.0
      - name: tmpl
        image: "{{ .Values.image }}"
`
	writeFiles(t, dir, files)
	out, errOut, err := run(t, append([]string{"update", dir, "--registry-timeout=10s"}, quiet(t.TempDir())...)...)
	if err == nil || !strings.Contains(err.Error(), "2 problem(s)") {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(out, "Updated 2 image(s) in 2 file(s).") {
		t.Errorf("healthy images not updated:\n%s", out)
	}
	for _, want := range []string{
		"apps/broken.yaml:11: Deployment.apps gone: container app: registry 127.0.0.1:1",
		`apps/broken.yaml:13: Deployment.apps gone: container tmpl: invalid image reference "{{ .Values.image }}"`,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("problems lack %q:\n%s", want, errOut)
		}
	}
	if readFile(t, filepath.Join(dir, "apps/broken.yaml")) != files["apps/broken.yaml"] {
		t.Error("the broken file changed")
	}
}

func TestUpdateBadConfigChangesNothing(t *testing.T) {
	host := seedRegistry(t)
	dir := t.TempDir()
	files := fleet(host)
	files[".gitops.yaml"] = "images:\n  policies:\n    - name: worker\n      image: " + host + "/shop/worker\n      regex: '^main-[0-9]+$'\n"
	writeFiles(t, dir, files)
	_, _, err := run(t, append([]string{"update", dir}, quiet(t.TempDir())...)...)
	if err == nil || !strings.Contains(err.Error(), ".gitops.yaml:3: images.policies[0] (worker): regex") || !strings.Contains(err.Error(), "no named group") {
		t.Fatalf("err = %v", err)
	}
	for p, c := range files {
		if readFile(t, filepath.Join(dir, p)) != c {
			t.Errorf("%s changed", p)
		}
	}
}

func TestUpdateCommitLocalAndPushRemote(t *testing.T) {
	host := seedRegistry(t)
	gs := newGitServer(t, fleet(host))

	// A local work tree: commit only, with the CI skip message.
	out, errOut, err := run(t, append([]string{"update", gs.Dir, "--commit", "--git-ci-skip"}, quiet(t.TempDir())...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if !strings.Contains(out, "Committed ") {
		t.Fatalf("output:\n%s", out)
	}
	msg := gs.Git(t, "log", "-1", "--format=%B")
	if !strings.HasPrefix(msg, "Update images") || !strings.HasSuffix(msg, "[ci skip]") || !strings.Contains(msg, "shop/web: 1.1.0 -> 1.1.3") {
		t.Errorf("commit message:\n%s", msg)
	}
	if st := gs.Git(t, "status", "--porcelain"); st != "" {
		t.Errorf("work tree not clean after commit: %s", st)
	}
	if n := gs.Git(t, "diff", "--stat", "HEAD~1", "HEAD"); !strings.Contains(n, "2 files changed, 2 insertions(+), 2 deletions(-)") {
		t.Errorf("commit diff: %s", n)
	}

	// A git URL: cloned, updated, committed and pushed with a custom skip message.
	gs2 := newGitServer(t, fleet(host))
	out, errOut, err = run(t, append([]string{"update", gs2.url, "--push", "--git-ci-skip-message=[skip ci]", "--git-user=bot", "--git-email=bot@example.com"}, quiet(t.TempDir())...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if !strings.Contains(out, "Pushed to main.") {
		t.Fatalf("output:\n%s", out)
	}
	log := gitrepotest.Git(t, gs2.bare, "log", "-1", "--format=%an <%ae>%n%B", "main")
	if !strings.HasPrefix(log, "bot <bot@example.com>") || !strings.Contains(log, "[skip ci]") {
		t.Errorf("pushed commit:\n%s", log)
	}
	web := gitrepotest.Git(t, gs2.bare, "show", "main:apps/web.yaml")
	if !strings.Contains(web, host+"/shop/web:1.1.3\"") || !strings.Contains(web, "# minor and patch only") {
		t.Errorf("pushed web.yaml:\n%s", web)
	}

	// A URL source without --push is refused before anything happens.
	if _, _, err := run(t, "update", gs2.url); err == nil || !strings.Contains(err.Error(), "pass --push") {
		t.Fatalf("err = %v", err)
	}
}

func TestFlagValidation(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"list", dir, "-o", "yaml"},
		{"update", dir, "--cluster-credentials=maybe"},
		{"update", dir, "--dry-run", "--commit"},
	} {
		if _, _, err := run(t, args...); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); err == nil {
		t.Fatal("unexpected file")
	}
}

func TestKustomizeDirectories(t *testing.T) {
	host := seedRegistry(t)
	dir := t.TempDir()
	files := map[string]string{
		".gitops.yaml": fmt.Sprintf("images:\n  policies:\n    - {name: web, image: %s/shop/web, semver: '~1.1'}\n", host),
		"base/kustomization.yaml": fmt.Sprintf(`resources: [deployment.yaml]
images:
- name: %s/shop/web
  newTag: 1.1.0 # {"$imagepolicy": "web:tag"}
`, host),
		"base/deployment.yaml": fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        image: %s/shop/web:1.0.0
`, host),
		"base/.hidden/x.yaml":  "kind: [\n",
		"chart/Chart.yaml":     "name: c\n",
		"chart/templates.yaml": "{{ broken\n",
	}
	writeFiles(t, dir, files)
	out, errOut, err := run(t, append([]string{"update", dir}, quiet(t.TempDir())...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if !strings.Contains(out, "base/kustomization.yaml:4") || !strings.Contains(out, "Updated 1 image(s) in 1 file(s).") {
		t.Fatalf("output:\n%s", out)
	}
	want := strings.Replace(files["base/kustomization.yaml"], "newTag: 1.1.0 #", "newTag: 1.1.3 #", 1)
	if got := readFile(t, filepath.Join(dir, "base/kustomization.yaml")); got != want {
		t.Fatalf("kustomization.yaml:\n%s", got)
	}
	out, _, err = run(t, append([]string{"list", dir, "--registry-disable-scanning"}, quiet(t.TempDir())...)...)
	if err != nil || !strings.Contains(out, "base/deployment.yaml:9") {
		t.Fatalf("list: %v\n%s", err, out)
	}
}

// TestSubdirectoryOfRepository: a directory inside a git work tree reads with the
// repository's top as root: files are repository-relative, .gitops.yaml is the one at
// the top, and a commit stages the rewritten files.
func TestSubdirectoryOfRepository(t *testing.T) {
	host := seedRegistry(t)
	gs := newGitServer(t, fleet(host))
	sub := filepath.Join(gs.Dir, "apps")

	out, errOut, err := run(t, append([]string{"list", sub}, quiet(t.TempDir())...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	for _, want := range []string{"apps/jobs.yaml:12", "main-bbb-300", "apps/web.yaml:15"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q (the policy of the top's .gitops.yaml):\n%s", want, out)
		}
	}
	top, _, err := run(t, append([]string{"list", gs.Dir, "--path", "apps"}, quiet(t.TempDir())...)...)
	if err != nil || top != out {
		t.Errorf("list TOP --path apps (%v):\n%s\ndiffers from list apps:\n%s", err, top, out)
	}

	out, errOut, err = run(t, append([]string{"update", sub, "--commit", "-o", "json"}, quiet(t.TempDir())...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	var rep images.UpdateReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if strings.Join(rep.Files, ",") != "apps/jobs.yaml,apps/web.yaml" || rep.Commit == "" {
		t.Errorf("report %+v", rep)
	}
	if st := gs.Git(t, "status", "--porcelain"); st != "" {
		t.Errorf("work tree not clean after commit: %s", st)
	}
}

// TestUpdateRefusesChangesThatWouldBeLost: a --ref the work tree is not at is read from
// a temporary clone, so writing needs --push; --commit needs git.
func TestUpdateRefusesChangesThatWouldBeLost(t *testing.T) {
	host := seedRegistry(t)
	gs := newGitServer(t, fleet(host))
	first := gs.Git(t, "rev-parse", "HEAD")
	gs.Commit(t, "second", nil)
	plain := t.TempDir()
	writeFiles(t, plain, fleet(host))
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"update", gs.Dir, "--ref", first}, "is read from a temporary clone (a git URL, or a --ref the work tree is not at): pass --push"},
		{[]string{"update", plain, "--commit"}, "--commit: source " + plain + " is not in a git repository"},
	}
	for _, tt := range tests {
		_, _, err := run(t, append(tt.args, quiet(t.TempDir())...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v, want an error containing %q", tt.args, err, tt.want)
		}
	}
	if st := gs.Git(t, "status", "--porcelain"); st != "" {
		t.Errorf("work tree changed: %s", st)
	}
	if got := readFile(t, filepath.Join(plain, "apps/web.yaml")); got != fleet(host)["apps/web.yaml"] {
		t.Errorf("plain directory changed:\n%s", got)
	}
}

// TestKustomizationImagesWithoutMarker: an overlay's images: entries are listed and
// bumped when a .gitops.yaml policy covers the image, with no marker comment; only the
// tag's bytes change, a missing newTag is added, and a digest pin is left alone.
func TestKustomizationImagesWithoutMarker(t *testing.T) {
	host := seedRegistry(t)
	dir := t.TempDir()
	sha := "sha256:" + strings.Repeat("c", 64)
	files := map[string]string{
		".gitops.yaml":            fmt.Sprintf("images:\n  policies:\n    - {name: web, image: %s/shop/web, semver: '~1.1'}\n    - {name: worker, image: %s/shop/worker, regex: '^main-[a-z]+-(?P<ts>[0-9]+)$', extract: ts}\n", host, host),
		"base/kustomization.yaml": "resources: [deployment.yaml]\n",
		"base/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - {name: web, image: web}
      - {name: worker, image: worker}
      - {name: pinned, image: pinned}
`,
		"overlays/prod/kustomization.yaml": fmt.Sprintf(`# Production pins its images here.
resources:
  - ../../base
images:
  - name: web                       # the front end
    newName: %s/shop/web
    newTag: "1.1.0"
  - name: worker
    newName: %s/shop/worker
  - {name: pinned, newName: %s/shop/web, newTag: 1.0.0, digest: %s}
`, host, host, host, sha),
	}
	writeFiles(t, dir, files)

	out, errOut, err := run(t, append([]string{"list", dir, "-o", "json"}, quiet(t.TempDir())...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	var rep images.ListReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := map[string]string{}
	for _, r := range rep.Images {
		if r.File == "overlays/prod/kustomization.yaml" {
			got[fmt.Sprintf("%s:%d", r.Path, r.Line)] = fmt.Sprintf("%s %s %s", r.Policy, r.Status, r.Latest)
		}
	}
	want := map[string]string{
		"images[0].newTag:7":  "web update 1.1.3",
		"images[1].newTag:8":  "worker update main-bbb-300",
		"images[2].newTag:10": "web pinned ",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("kustomization images %v, want %v\n%s", got, want, out)
	}

	out, errOut, err = run(t, append([]string{"update", dir}, quiet(t.TempDir())...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if !strings.Contains(out, "Updated 2 image(s) in 1 file(s).") {
		t.Fatalf("output:\n%s", out)
	}
	wantFile := strings.Replace(files["overlays/prod/kustomization.yaml"], `newTag: "1.1.0"`, `newTag: "1.1.3"`, 1)
	wantFile = strings.Replace(wantFile, "shop/worker\n", "shop/worker\n    newTag: main-bbb-300\n", 1)
	if got := readFile(t, filepath.Join(dir, "overlays/prod/kustomization.yaml")); got != wantFile {
		t.Fatalf("kustomization.yaml:\n%s\nwant:\n%s", got, wantFile)
	}
	for _, f := range []string{"base/deployment.yaml", "base/kustomization.yaml"} {
		if readFile(t, filepath.Join(dir, f)) != files[f] {
			t.Errorf("%s changed", f)
		}
	}
	out, _, err = run(t, append([]string{"update", dir}, quiet(t.TempDir())...)...)
	if err != nil || !strings.Contains(out, "No image to update.") {
		t.Fatalf("second run: %v\n%s", err, out)
	}
}

// TestPrivateHosts: the plugin reaches registries on loopback and private addresses by
// default (a person's own), and none that --registry-private-host leaves out.
func TestPrivateHosts(t *testing.T) {
	reg := newRegistry(t)
	push(t, reg.Host(), "shop/web", "1.0.0", "1.1.0", "1.1.3", "1.2.0")
	dir := t.TempDir()
	writeFiles(t, dir, fleet(reg.Host()))
	for _, tc := range []struct {
		name    string
		flags   []string
		wantErr bool
	}{
		{"default", nil, false},
		{"this host", []string{"--registry-private-host", reg.Host()}, false},
		{"none", []string{"--registry-private-host="}, true},
		{"another range", []string{"--registry-private-host", "10.0.0.0/8"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg.Reset()
			args := append(append([]string{"list", dir, "--registry-include-image", reg.Host() + "/shop/web"}, quiet(t.TempDir())...), tc.flags...)
			out, errOut, err := run(t, args...)
			if !tc.wantErr {
				if err != nil || !strings.Contains(out, "1.1.3") {
					t.Fatalf("%v\n%s\n%s", err, out, errOut)
				}
				return
			}
			want := "a loopback address, not a public one; registry hosts at non-public addresses need the operator's consent (--registry-private-host " + reg.Host() + ")"
			if !strings.Contains(out+errOut, want) { // list reports the problem (update would fail)
				t.Fatalf("%v, want a problem with %q:\n%s\n%s", err, want, out, errOut)
			}
			if n := reg.Requests(); n != 0 {
				t.Fatalf("the registry answered %d requests", n)
			}
		})
	}
}
