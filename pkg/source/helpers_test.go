package source

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/netguard"
)

// Kustomize layout of the fixtures: an overlay reaching its base with ../../.
var layout = map[string]string{
	"deploy/bases/backend/kustomization.yaml": "resources: [deployment.yaml]\n",
	"deploy/bases/backend/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: backend, namespace: shop}
spec:
  template:
    spec:
      containers:
      - name: app
        image: example.com/shop/backend:1.0.0
`,
	"deploy/overlays/dev/kustomization.yaml":  "resources: [../../bases/backend, cm.yaml]\n",
	"deploy/overlays/dev/cm.yaml":             "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dev, namespace: shop}\n",
	"deploy/overlays/prod/kustomization.yaml": "resources: [../../bases/backend]\n",
	"README.md": "fleet\n",
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		path := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=test", "-c", "user.email=test@example.com"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(netguard.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// gitFixture is a work tree with two commits (the second adds deploy/overlays/staging)
// and a bare clone of it.
type gitFixture struct {
	top, bare     string
	first, second string
}

func newGitFixture(t *testing.T) *gitFixture {
	t.Helper()
	f := &gitFixture{top: t.TempDir()}
	runGit(t, f.top, "init", "-q", "-b", "main")
	writeFiles(t, f.top, layout)
	runGit(t, f.top, "add", "-A")
	runGit(t, f.top, "commit", "-q", "-m", "first")
	f.first = runGit(t, f.top, "rev-parse", "HEAD")
	writeFiles(t, f.top, map[string]string{"deploy/overlays/staging/kustomization.yaml": "resources: [../../bases/backend]\n"})
	runGit(t, f.top, "add", "-A")
	runGit(t, f.top, "commit", "-q", "-m", "second")
	f.second = runGit(t, f.top, "rev-parse", "HEAD")
	f.bare = filepath.Join(t.TempDir(), "fleet.git")
	runGit(t, f.top, "clone", "-q", "--bare", f.top, f.bare)
	return f
}
