package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// kustomizeLayout is the standard bases/ + overlays/ layout: the dev overlay reaches
// its base with ../../bases/backend and patches its image.
func kustomizeLayout(ns string) map[string]string {
	return map[string]string{
		"deploy/bases/backend/kustomization.yaml": "resources:\n- deployment.yaml\n",
		"deploy/bases/backend/deployment.yaml":    deploymentYAML("backend", ns, 1, "registry.invalid/shop/backend:1.0.0"),
		"deploy/overlays/dev/kustomization.yaml":  "resources:\n- ../../bases/backend\n- ns.yaml\n- cm.yaml\npatches:\n- path: patch.yaml\n",
		"deploy/overlays/dev/ns.yaml":             namespaceYAML(ns),
		"deploy/overlays/dev/cm.yaml":             configMapWith("dev", ns, "env", "dev", nil),
		"deploy/overlays/dev/patch.yaml": fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: backend
  namespace: %s
spec:
  template:
    spec:
      containers:
      - name: app
        image: registry.invalid/shop/backend:1.1.0
`, ns),
	}
}

// TestSourceDirectoryInRepository: a directory inside a git work tree reads with the
// repository as its root, so an overlay's ../../bases works, and every file:line is
// repository-relative: `plan deploy/overlays/dev` prints exactly what
// `plan TOP --path deploy/overlays/dev` prints.
func TestSourceDirectoryInRepository(t *testing.T) {
	ns, set := unique("srcroot"), unique("srcroot")
	r := gitrepotest.NewRepo(t, kustomizeLayout(ns))
	t.Chdir(r.Dir)

	fromDir := mustGitops(t, 1, "plan", "deploy/overlays/dev", "--applyset", set)
	fromAbsDir := mustGitops(t, 1, "plan", filepath.Join(r.Dir, "deploy/overlays/dev"), "--applyset", set)
	fromTop := mustGitops(t, 1, "plan", r.Dir, "--path", "deploy/overlays/dev", "--applyset", set)
	if fromDir.out != fromTop.out || fromAbsDir.out != fromTop.out {
		t.Errorf("plans differ:\nplan deploy/overlays/dev:\n%s\nplan DIR:\n%s\nplan TOP --path deploy/overlays/dev:\n%s", fromDir.out, fromAbsDir.out, fromTop.out)
	}
	requireContainsAll(t, fromDir.out,
		"(deploy/bases/backend/deployment.yaml:1)",
		"(deploy/overlays/dev/ns.yaml:1)",
		"(deploy/overlays/dev/cm.yaml:1)",
	)

	var fromDirJSON, fromTopJSON struct {
		Changes []struct {
			Source struct {
				File string `json:"file"`
				Line int    `json:"line"`
			} `json:"source"`
		} `json:"changes"`
	}
	for _, x := range []struct {
		args []string
		into any
	}{
		{[]string{"plan", "deploy/overlays/dev", "--applyset", set, "-o", "json"}, &fromDirJSON},
		{[]string{"plan", ".", "--path", "deploy/overlays/dev", "--applyset", set, "-o", "json"}, &fromTopJSON},
	} {
		res := mustGitops(t, 1, x.args...)
		if err := json.Unmarshal([]byte(res.out), x.into); err != nil {
			t.Fatalf("%v: %v\n%s", x.args, err, res)
		}
	}
	if len(fromDirJSON.Changes) != 3 || fmt.Sprint(fromDirJSON) != fmt.Sprint(fromTopJSON) {
		t.Errorf("JSON sources differ: %+v vs %+v", fromDirJSON, fromTopJSON)
	}

	mustGitops(t, 0, "apply", "deploy/overlays/dev", "--applyset", set, "--progress", "none")
	d, err := kube(t).AppsV1().Deployments(ns).Get(context.Background(), "backend", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if img := d.Spec.Template.Spec.Containers[0].Image; img != "registry.invalid/shop/backend:1.1.0" {
		t.Errorf("deployment image %s, want the overlay's patch", img)
	}
	requireExists(t, gvrConfigMap, ns, "dev")
	// Applied from the directory, planned from the top: nothing to do.
	mustGitops(t, 0, "plan", r.Dir, "--path", "deploy/overlays/dev", "--applyset", set)
	st := mustGitops(t, 0, "status", "--applyset", set, "-o", "json")
	var rep struct{ Source, Revision string }
	if err := json.Unmarshal([]byte(st.out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, st)
	}
	head := r.Head(t)
	if want := r.Dir + " (paths: deploy/overlays/dev)"; rep.Source != want || rep.Revision != head {
		t.Errorf("recorded source %q at %s, want %q at %s", rep.Source, rep.Revision, want, head)
	}

	// images list reads the same way: repository-relative files, from either spelling.
	images := func(args ...string) string {
		t.Helper()
		res := mustGitops(t, 0, append([]string{"images", "list"}, append(args,
			"--registry-disable-scanning", "--cluster-credentials=false", "--registry-cache-dir", t.TempDir())...)...)
		return res.out
	}
	listDir := images("deploy/overlays/dev")
	if listTop := images(r.Dir, "--path", "deploy/overlays/dev"); listDir != listTop {
		t.Errorf("images list differs:\nfrom the directory:\n%s\nfrom the top:\n%s", listDir, listTop)
	}
	requireContainsAll(t, listDir, "deploy/overlays/dev/patch.yaml:11", "registry.invalid/shop/backend:1.1.0")
}

// TestSourceEscapingRepositoryRefused: a kustomization reaching beyond the
// repository's top is refused with the file and line, and nothing is written.
func TestSourceEscapingRepositoryRefused(t *testing.T) {
	ns, set := unique("srcescape"), unique("srcescape")
	files := kustomizeLayout(ns)
	files["deploy/overlays/dev/kustomization.yaml"] = "resources:\n- ../../bases/backend\n- ../../../../outside-" + ns + "\n"
	r := gitrepotest.NewRepo(t, files)
	// The directory exists, with a valid kustomization: `kubectl apply -k` would read it.
	outside := filepath.Join(filepath.Dir(r.Dir), "outside-"+ns)
	if err := os.MkdirAll(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "kustomization.yaml"), []byte("resources: [cm.yaml]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "cm.yaml"), []byte(configMapWith("outside", ns, "k", "v", nil)), 0o644); err != nil {
		t.Fatal(err)
	}

	want := `deploy/overlays/dev/kustomization.yaml:3: resources[1]: "../../../../outside-` + ns + `" leads outside the source root`
	for _, args := range [][]string{
		{"plan", filepath.Join(r.Dir, "deploy/overlays/dev"), "--applyset", set},
		{"apply", filepath.Join(r.Dir, "deploy/overlays/dev"), "--applyset", set, "--progress", "none"},
	} {
		res := mustGitops(t, 2, args...)
		requireContainsAll(t, res.out+res.err, want)
	}
	requireNothingWritten(t, set)
	requireAbsent(t, gvrConfigMap, ns, "outside")
}
