package gitrepo

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// TestRebuildBranches covers what a caller that owns branches does: list and fetch
// them, make a commit from one start per branch (ResetTo), compare with the remote
// (CommitInfo) and force-push a rebuilt branch.
func TestRebuildBranches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	r, err := Open(ctx, f.url, "main")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	base := r.Revision()

	got, err := r.FetchBranches(ctx, "bump/")
	if err != nil || len(got) != 0 {
		t.Fatalf("no branches yet: %v %v", got, err)
	}
	if _, err := r.FetchBranches(ctx, "bump"); err == nil {
		t.Fatal("a prefix without a slash was accepted")
	}

	// Two branches, each one commit on main.
	for _, b := range []struct{ branch, content string }{{"bump/a", "a\n"}, {"bump/b", "b\n"}} {
		if err := r.ResetTo(base); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(r.Dir(), "version"), b.content)
		if _, err := r.Commit("set "+b.branch, CommitOptions{Paths: []string{"version"}}); err != nil {
			t.Fatal(err)
		}
		if err := r.ForcePush(ctx, b.branch); err != nil {
			t.Fatal(err)
		}
	}
	got, err = r.FetchBranches(ctx, "bump/")
	if err != nil || len(got) != 2 || got["bump/a"] != f.bareRev(t, "bump/a") || got["bump/b"] != f.bareRev(t, "bump/b") {
		t.Fatalf("branches %v %v", got, err)
	}
	a, err := r.CommitInfo(got["bump/a"])
	if err != nil || len(a.Parents) != 1 || a.Parents[0] != base {
		t.Fatalf("bump/a: %+v %v", a, err)
	}

	// Made again with the same content: the same tree on the same parent.
	if err := r.ResetTo(base); err != nil {
		t.Fatal(err)
	}
	if readFile(t, filepath.Join(r.Dir(), "version")) != "2\n" {
		t.Fatal("ResetTo left the work tree changed")
	}
	writeFile(t, filepath.Join(r.Dir(), "version"), "a\n")
	if _, err := r.Commit("set bump/a again", CommitOptions{Paths: []string{"version"}}); err != nil {
		t.Fatal(err)
	}
	again, err := r.CommitInfo("")
	if err != nil || again.Tree != a.Tree || again.SHA == a.SHA {
		t.Fatalf("rebuilt: %+v, first %+v", again, a)
	}

	// Main moves: the branch is rebuilt on it and force-pushed over the old one.
	moved := f.commit(t, "main", "other", "x\n")
	r2, err := Open(ctx, f.url, "main")
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	writeFile(t, filepath.Join(r2.Dir(), "version"), "a\n")
	if _, err := r2.Commit("set bump/a on the new main", CommitOptions{Paths: []string{"version"}}); err != nil {
		t.Fatal(err)
	}
	if err := r2.ForcePush(ctx, "bump/a"); err != nil {
		t.Fatal(err)
	}
	if parent := f.bareRev(t, "bump/a^"); parent != moved {
		t.Fatalf("bump/a is on %s, want the moved main %s", parent, moved)
	}

	// A branch deleted on the remote is not listed any more.
	gitrepotest.Git(t, f.bare, "update-ref", "-d", "refs/heads/bump/b")
	got, err = r.FetchBranches(ctx, "bump/")
	if err != nil || len(got) != 1 || got["bump/a"] == "" {
		t.Fatalf("after a delete: %v %v", got, err)
	}
}
