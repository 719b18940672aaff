package gitrepotest_test

import (
	"path/filepath"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// TestRepo: commits carry the fixed identity on main, an empty content removes a file,
// and a bare clone holds every branch and tag and becomes the work tree's origin.
func TestRepo(t *testing.T) {
	r := gitrepotest.NewRepo(t, map[string]string{"a.yaml": "a: 1\n", "dir/b.yaml": "b: 1\n"})
	r.Git(t, "tag", "v1")
	r.Git(t, "checkout", "-q", "-b", "feature")
	feature := r.Commit(t, "drop b", map[string]string{"dir/b.yaml": ""})
	r.Git(t, "checkout", "-q", "main")
	bare := r.Bare(t, filepath.Join(t.TempDir(), "r.git"))

	for _, tt := range []struct {
		name, dir string
		args      []string
		want      string
	}{
		{"identity", r.Dir, []string{"log", "-1", "--format=%an <%ae> / %cn <%ce>"}, "test <test@example.com> / test <test@example.com>"},
		{"branch", r.Dir, []string{"symbolic-ref", "--short", "HEAD"}, gitrepotest.DefaultBranch},
		{"removed file", r.Dir, []string{"ls-tree", "-r", "--name-only", "feature"}, "a.yaml"},
		{"bare branches and tags", bare, []string{"for-each-ref", "--format=%(refname)"}, "refs/heads/feature\nrefs/heads/main\nrefs/tags/v1"},
		{"bare feature", bare, []string{"rev-parse", "feature"}, feature},
		{"origin", r.Dir, []string{"rev-parse", "--abbrev-ref", "main@{upstream}"}, "origin/main"},
		{"pushes over HTTP", bare, []string{"config", "http.receivepack"}, "true"},
	} {
		if got := gitrepotest.Git(t, tt.dir, tt.args...); got != tt.want {
			t.Errorf("%s: git %v = %q, want %q", tt.name, tt.args, got, tt.want)
		}
	}
}
