package gitrepotest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// A repository from a map of files, a second commit that changes one file and removes
// another, and a bare clone of it to serve over HTTP or SSH.
func ExampleNewRepo() {
	t := &testing.T{} // in a test, the test's own t
	r := gitrepotest.NewRepo(t, map[string]string{
		"deploy/cm.yaml":  "kind: ConfigMap\n",
		"deploy/old.yaml": "kind: Secret\n",
	})
	defer os.RemoveAll(filepath.Dir(r.Dir)) // a test's t removes its TempDirs itself
	first := r.Head(t)
	second := r.Commit(t, "change the ConfigMap", map[string]string{
		"deploy/cm.yaml":  "kind: ConfigMap\ndata: {color: green}\n",
		"deploy/old.yaml": "", // removed
	})
	fmt.Println(r.Git(t, "log", "--format=%s", first+".."+second))
	fmt.Println(r.Git(t, "ls-tree", "-r", "--name-only", "HEAD"))

	bare := r.Bare(t, filepath.Join(t.TempDir(), "fleet.git")) // root/fleet.git for NewHTTPServer(root)
	fmt.Println(gitrepotest.Git(t, bare, "rev-parse", "main") == second)
	// Output:
	// change the ConfigMap
	// deploy/cm.yaml
	// true
}
