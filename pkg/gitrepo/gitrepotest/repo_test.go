package gitrepotest_test

import (
	"os"
	"path/filepath"
	"strings"
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

// TestInit: a directory already written becomes a repository with one commit of what
// it holds.
func TestInit(t *testing.T) {
	dir := t.TempDir()
	(&gitrepotest.Repo{Dir: dir}).Write(t, map[string]string{"deploy/cm.yaml": "kind: ConfigMap\n"})
	r := gitrepotest.Init(t, dir)
	if got := r.Git(t, "log", "--format=%s"); got != "initial" {
		t.Errorf("log = %q, want one commit, initial", got)
	}
	if got := r.Git(t, "ls-tree", "-r", "--name-only", "HEAD"); got != "deploy/cm.yaml" {
		t.Errorf("files = %q", got)
	}
}

// TestNewBare: a bare repository without a work tree holds one commit of the files on
// main, nested directories included and empty contents left out, and takes pushes.
func TestNewBare(t *testing.T) {
	bare := filepath.Join(t.TempDir(), "fleet.git")
	sha, err := gitrepotest.NewBare(bare, map[string]string{
		"deploy/apps.yaml":      "kind: ConfigMap\n",
		"deploy/base/cm.yaml":   "kind: Secret\n",
		"README.md":             "fleet\n",
		"deploy/not-there.yaml": "",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"rev-parse", "main"}, sha},
		{[]string{"rev-parse", "--is-bare-repository"}, "true"},
		{[]string{"log", "--format=%s / %an", "main"}, "initial / test"},
		{[]string{"ls-tree", "-r", "--name-only", "main"}, "README.md\ndeploy/apps.yaml\ndeploy/base/cm.yaml"},
		{[]string{"show", "main:deploy/base/cm.yaml"}, "kind: Secret"},
		{[]string{"config", "http.receivepack"}, "true"},
	} {
		if got := gitrepotest.Git(t, bare, tt.args...); got != tt.want {
			t.Errorf("git %v = %q, want %q", tt.args, got, tt.want)
		}
	}
	clone := filepath.Join(t.TempDir(), "clone")
	gitrepotest.Git(t, "", "clone", "-q", bare, clone)
	if _, err := os.Stat(filepath.Join(clone, "deploy", "apps.yaml")); err != nil {
		t.Errorf("clone: %v", err)
	}
}

// TestRun: without a t, git's output comes back trimmed, and a failure is an error
// naming the command and carrying git's own message.
func TestRun(t *testing.T) {
	r := gitrepotest.NewRepo(t, map[string]string{"a.yaml": "a: 1\n"})
	if got, err := gitrepotest.Run(r.Dir, "rev-parse", "--abbrev-ref", "HEAD"); err != nil || got != "main" {
		t.Errorf("Run = %q, %v; want main", got, err)
	}
	_, err := gitrepotest.Run(r.Dir, "rev-parse", "--verify", "no-such-branch")
	if err == nil || !strings.Contains(err.Error(), "git rev-parse --verify no-such-branch (in "+r.Dir+")") ||
		!strings.Contains(err.Error(), "fatal: Needed a single revision") {
		t.Errorf("err = %v", err)
	}
}
