package source

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
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

// gitFixture is a work tree with two commits (the second adds deploy/overlays/staging)
// and a bare clone of it.
type gitFixture struct {
	top, bare     string
	first, second string
}

func newGitFixture(t *testing.T) *gitFixture {
	t.Helper()
	r := gitrepotest.NewRepo(t, layout)
	f := &gitFixture{top: r.Dir, first: r.Head(t)}
	f.second = r.Commit(t, "second", map[string]string{"deploy/overlays/staging/kustomization.yaml": "resources: [../../bases/backend]\n"})
	f.bare = filepath.Join(t.TempDir(), "fleet.git")
	gitrepotest.Git(t, f.top, "clone", "-q", "--bare", f.top, f.bare)
	return f
}
