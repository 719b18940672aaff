package gitrepo

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

func TestLocalWorkTree(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	head := f.repo.Git(t, "rev-parse", "HEAD")

	tests := []struct {
		name, src, ref string
		inPlace        bool
		want           string
	}{
		{name: "root", src: f.work, inPlace: true, want: head},
		{name: "subdirectory", src: filepath.Join(f.work, "deploy"), inPlace: true, want: head},
		{name: "ref naming HEAD's branch", src: f.work, ref: "main", inPlace: true, want: head},
		{name: "ref naming HEAD's sha", src: f.work, ref: head[:9], inPlace: true, want: head},
		{name: "other ref is cloned", src: f.work, ref: "v1", want: f.first},
		{name: "other branch is cloned", src: f.work, ref: "dev", want: f.dev},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Open(ctx, tt.src, tt.ref)
			if err != nil {
				t.Fatal(err)
			}
			if r.Revision() != tt.want {
				t.Errorf("Revision() = %s, want %s", r.Revision(), tt.want)
			}
			if got := r.Dir() == f.work; got != tt.inPlace {
				t.Errorf("Dir() = %s; in place = %v, want %v", r.Dir(), got, tt.inPlace)
			}
			if tt.inPlace && r.URL() != f.work {
				t.Errorf("URL() = %s, want the work tree path %s", r.URL(), f.work)
			}
			dir := r.Dir()
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(dir); tt.inPlace && err != nil {
				t.Errorf("Close removed the work tree: %v", err)
			}
			if got := f.repo.Git(t, "rev-parse", "HEAD"); got != head {
				t.Errorf("work tree HEAD moved to %s", got)
			}
		})
	}
}

func TestLocalWorkTreeDirtyCommitUpdate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	r, err := Open(ctx, f.work, "")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	f.repo.Commit(t, "ignore tmp", map[string]string{".gitignore": "*.tmp\n"})
	if changed, err := r.Update(ctx); err != nil || !changed {
		t.Fatalf("Update after a CLI commit = %v, %v; want true", changed, err)
	}
	if want := f.repo.Git(t, "rev-parse", "HEAD"); r.Revision() != want {
		t.Fatalf("Revision() = %s, want %s", r.Revision(), want)
	}

	steps := []struct {
		name  string
		do    func()
		dirty bool
	}{
		{name: "clean", do: func() {}, dirty: false},
		{name: "ignored file", do: func() { writeFile(t, filepath.Join(f.work, "x.tmp"), "x") }, dirty: false},
		{name: "untracked file", do: func() { writeFile(t, filepath.Join(f.work, "new.yaml"), "a: 1\n") }, dirty: true},
		{name: "modified file", do: func() {
			os.Remove(filepath.Join(f.work, "new.yaml"))
			writeFile(t, filepath.Join(f.work, "version"), "local\n")
		}, dirty: true},
		{name: "staged only", do: func() { f.repo.Git(t, "add", "version") }, dirty: true},
		{name: "reverted", do: func() { f.repo.Git(t, "checkout", "-q", "HEAD", "--", "version") }, dirty: false},
	}
	for _, s := range steps {
		s.do()
		dirty, err := r.Dirty()
		if err != nil {
			t.Fatal(err)
		}
		if dirty != s.dirty {
			t.Errorf("%s: Dirty() = %v, want %v", s.name, dirty, s.dirty)
		}
	}

	writeFile(t, filepath.Join(f.work, "version"), "local\n")
	sha, err := r.Commit("local change", CommitOptions{CISkip: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.repo.Git(t, "rev-parse", "HEAD"); got != sha {
		t.Errorf("work tree HEAD = %s after Commit, want %s", got, sha)
	}
	if got := f.repo.Git(t, "log", "-1", "--format=%an <%ae>%n%B"); got != "Test <test@example.com>\nlocal change\n\n[ci skip]" {
		t.Errorf("commit = %q, want the git config author and a [ci skip] line", got)
	}
	if got := f.repo.Git(t, "status", "--porcelain"); got != "" {
		t.Errorf("git status after Commit = %q, want clean (ignored x.tmp not committed)", got)
	}
	if changed, err := r.Update(ctx); err != nil || changed {
		t.Errorf("Update after own commit = %v, %v; want false", changed, err)
	}

	// Push and SetTag go to the work tree's origin.
	if err := r.Push(ctx, "main"); err != nil {
		t.Fatal(err)
	}
	if err := r.SetTag(ctx, "gitops-sync", ""); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"main", "refs/tags/gitops-sync"} {
		if got := f.bareRev(t, ref); got != sha {
			t.Errorf("origin %s = %s, want %s", ref, got, sha)
		}
	}
}

func TestLocalWorkTreeWithoutOrigin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	g := &gitrepotest.Repo{Dir: dir}
	g.Git(t, "init", "-q")
	g.Write(t, map[string]string{"a.yaml": "a: 1\n"})

	if _, err := Open(ctx, dir, ""); err == nil || !contains(err.Error(), "no commits") {
		t.Fatalf("Open of a repository without commits: %v, want 'no commits'", err)
	}
	g.Commit(t, "one", nil)
	r, err := Open(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Push(ctx, "main"); err == nil || !contains(err.Error(), `no remote "origin"`) {
		t.Errorf("Push without origin: %v, want 'no remote \"origin\"'", err)
	}
}

// TestLocalDetachedCheckout opens commits of a work tree checked out as GitHub
// Actions checks out a pull request: a detached merge commit, the base branch only
// as a remote-tracking branch.
func TestLocalDetachedCheckout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	g := &gitrepotest.Repo{Dir: dir}
	g.Git(t, "init", "-q", "-b", "feature")
	base := g.Commit(t, "base", map[string]string{"a.yaml": "a: 1\n"})
	g.Git(t, "update-ref", "refs/remotes/origin/main", base)
	head := g.Commit(t, "head", map[string]string{"a.yaml": "a: 2\n"})
	g.Git(t, "checkout", "-q", "--detach", base)
	g.Git(t, "merge", "-q", "--no-ff", "-m", "merge", head)
	g.Git(t, "branch", "-q", "-D", "feature")

	for _, ref := range []string{base, head, base[:10], "origin/main"} {
		r, err := Open(ctx, dir, ref)
		if err != nil {
			t.Fatalf("Open at %s: %v", ref, err)
		}
		want := ref
		if ref == "origin/main" {
			want = base
		}
		if !strings.HasPrefix(r.Revision(), want) || r.Dir() == dir {
			t.Errorf("Open at %s: revision %s in %s", ref, r.Revision(), r.Dir())
		}
		r.Close()
	}
}
