package gitrepo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestCommitMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, msg string
		o         CommitOptions
		want      string
	}{
		{name: "plain", msg: "Update image", want: "Update image\n"},
		{name: "trailing space trimmed", msg: "Update image\n\n", want: "Update image\n"},
		{name: "ci skip default", msg: "Update image", o: CommitOptions{CISkip: true}, want: "Update image\n\n[ci skip]\n"},
		{name: "ci skip custom", msg: "Update image", o: CommitOptions{CISkip: true, CISkipMessage: "[skip ci]"}, want: "Update image\n\n[skip ci]\n"},
		{name: "ci skip already there", msg: "Update image [ci skip]", o: CommitOptions{CISkip: true}, want: "Update image [ci skip]\n"},
		{name: "custom message ignored without CISkip", msg: "x", o: CommitOptions{CISkipMessage: "[skip ci]"}, want: "x\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := commitMessage(tt.msg, tt.o); got != tt.want {
				t.Errorf("commitMessage = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCommitAndPush(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	r, err := Open(ctx, f.url, "main")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	parent := r.Revision()

	if _, err := r.Commit("nothing", CommitOptions{}); !errors.Is(err, ErrNothingToCommit) {
		t.Fatalf("Commit on a clean tree: %v, want ErrNothingToCommit", err)
	}

	writeFile(t, filepath.Join(r.Dir(), "version"), "3\n")
	writeFile(t, filepath.Join(r.Dir(), "deploy", "new.yaml"), "kind: Secret\n")
	if err := os.Remove(filepath.Join(r.Dir(), "deploy", "app.yaml")); err != nil {
		t.Fatal(err)
	}
	sha, err := r.Commit("Update version", CommitOptions{CISkip: true, Author: "Bot", Email: "bot@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Revision() != sha {
		t.Errorf("Revision() = %s after Commit, want %s", r.Revision(), sha)
	}
	if dirty, err := r.Dirty(); err != nil || dirty {
		t.Errorf("Dirty after Commit = %v, %v", dirty, err)
	}
	if err := r.Push(ctx, "main"); err != nil {
		t.Fatal(err)
	}
	if got := f.bareRev(t, "main"); got != sha {
		t.Fatalf("bare main = %s after Push, want %s", got, sha)
	}
	checks := []struct{ format, want string }{
		{"%B", "Update version\n\n[ci skip]"},
		{"%an <%ae>", "Bot <bot@example.com>"},
		{"%cn <%ce>", "Bot <bot@example.com>"},
		{"%P", parent},
	}
	for _, c := range checks {
		if got := gitrepotest.Git(t, f.bare, "log", "-1", "--format="+c.format, "main"); got != c.want {
			t.Errorf("git log --format=%s = %q, want %q", c.format, got, c.want)
		}
	}
	if got := gitrepotest.Git(t, f.bare, "ls-tree", "-r", "--name-only", "main"); got != "deploy/new.yaml\nversion" {
		t.Errorf("pushed tree = %q, want deploy/new.yaml and version", got)
	}

	// Pushing again is a no-op; pushing to a new branch creates it.
	if err := r.Push(ctx, "main"); err != nil {
		t.Errorf("second Push: %v", err)
	}
	if err := r.Push(ctx, "refs/heads/auto/bump"); err != nil {
		t.Fatal(err)
	}
	if got := f.bareRev(t, "auto/bump"); got != sha {
		t.Errorf("bare auto/bump = %s, want %s", got, sha)
	}

	// After the pushed commit, Update sees nothing new.
	if changed, err := r.Update(ctx); err != nil || changed {
		t.Errorf("Update after own push = %v, %v; want false", changed, err)
	}

	// Someone else pushes: a push from this stale clone is refused, not forced.
	theirs := f.commit(t, "main", "other", "x\n")
	writeFile(t, filepath.Join(r.Dir(), "version"), "4\n")
	if _, err := r.Commit("stale", CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	err = r.Push(ctx, "main")
	if err == nil || !contains(err.Error(), "non-fast-forward") || !contains(err.Error(), f.url) {
		t.Errorf("stale Push: %v, want a non-fast-forward error naming %s", err, f.url)
	}
	if got := f.bareRev(t, "main"); got != theirs {
		t.Errorf("bare main = %s after refused push, want %s", got, theirs)
	}

	// Update drops the unpushed commit and follows the remote.
	if changed, err := r.Update(ctx); err != nil || !changed || r.Revision() != theirs {
		t.Errorf("Update = %v, %v, revision %s; want true, %s", changed, err, r.Revision(), theirs)
	}
}

func TestCommitPaths(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	r, err := Open(ctx, f.url, "main")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	writeFile(t, filepath.Join(r.Dir(), "version"), "3\n")
	writeFile(t, filepath.Join(r.Dir(), "deploy", "app.yaml"), "kind: Service\n")
	writeFile(t, filepath.Join(r.Dir(), "deploy", "extra", "x.yaml"), "kind: Pod\n")

	tests := []struct {
		name  string
		paths []string
		is    error
		msg   string
	}{
		{name: "outside the work tree", paths: []string{"../x"}, msg: "outside the work tree"},
		{name: "missing path", paths: []string{"nope.yaml"}, msg: "nope.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.Commit("x", CommitOptions{Paths: tt.paths})
			if err == nil || !contains(err.Error(), tt.msg) {
				t.Errorf("Commit(%v) = %v, want error containing %q", tt.paths, err, tt.msg)
			}
		})
	}

	sha, err := r.Commit("deploy only", CommitOptions{Paths: []string{"deploy", filepath.Join(r.Dir(), "nothing-here", "..", "deploy", "app.yaml")}})
	if err != nil {
		t.Fatal(err)
	}
	got := gitrepotest.Git(t, r.Dir(), "show", "--name-only", "--format=", sha)
	if got != "deploy/app.yaml\ndeploy/extra/x.yaml" {
		t.Errorf("committed files = %q, want the deploy files only", got)
	}
	if dirty, _ := r.Dirty(); !dirty {
		t.Error("Dirty = false, want true: version is still modified")
	}
	if _, err := r.Commit("again", CommitOptions{Paths: []string{"deploy"}}); !errors.Is(err, ErrNothingToCommit) {
		t.Errorf("second Commit(deploy) = %v, want ErrNothingToCommit", err)
	}
	if _, err := r.Commit("  ", CommitOptions{}); err == nil {
		t.Error("Commit with an empty message succeeded")
	}
}

func TestSetTag(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	r, err := Open(ctx, f.url, "main")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	steps := []struct {
		name, tag string
		sha       func() string
		want      func() string
		is        error
	}{
		{name: "create at checked-out commit", tag: "gitops-sync", sha: func() string { return "" }, want: func() string { return f.second }},
		{name: "same again is a no-op", tag: "gitops-sync", sha: func() string { return f.second }, want: func() string { return f.second }},
		{name: "move back by short sha", tag: "gitops-sync", sha: func() string { return f.first[:7] }, want: func() string { return f.first }},
		{name: "move by full sha", tag: "gitops-sync", sha: func() string { return f.second }, want: func() string { return f.second }},
		{name: "move forward after Update", tag: "gitops-sync", sha: func() string {
			f.commit(t, "main", "version", "3\n")
			if _, err := r.Update(ctx); err != nil {
				t.Fatal(err)
			}
			return r.Revision()
		}, want: func() string { return r.Revision() }},
		{name: "unknown sha", tag: "gitops-sync", sha: func() string { return "deadbeef" }, is: ErrRefNotFound},
		{name: "invalid name", tag: "bad..name", sha: func() string { return "" }},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			err := r.SetTag(ctx, s.tag, s.sha())
			if s.want == nil {
				if err == nil || (s.is != nil && !errors.Is(err, s.is)) {
					t.Fatalf("SetTag = %v, want an error (%v)", err, s.is)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := s.want()
			if got := f.bareRev(t, "refs/tags/"+s.tag); got != want {
				t.Errorf("remote tag %s = %s, want %s", s.tag, got, want)
			}
			if typ := gitrepotest.Git(t, f.bare, "cat-file", "-t", "refs/tags/"+s.tag); typ != "commit" {
				t.Errorf("tag %s points at a %s, want a lightweight tag", s.tag, typ)
			}
		})
	}
}

func TestReadOnlyRemote(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, readOnly())
	r, err := Open(ctx, f.url, "main")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	want := f.commit(t, "main", "version", "3\n") // the CLI pushes to the bare path, not over HTTP
	if changed, err := r.Update(ctx); err != nil || !changed || r.Revision() != want {
		t.Fatalf("Update on a read-only remote = %v, %v, %s; want true, nil, %s", changed, err, r.Revision(), want)
	}

	writeFile(t, filepath.Join(r.Dir(), "version"), "4\n")
	if _, err := r.Commit("local only", CommitOptions{}); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"Push":   r.Push(ctx, "main"),
		"SetTag": r.SetTag(ctx, "gitops-sync", ""),
	} {
		if err == nil || !contains(err.Error(), f.url) || !contains(err.Error(), "access denied") {
			t.Errorf("%s to a read-only remote: %v, want 'access denied' naming %s", name, err, f.url)
		}
	}
	if got := f.bareRev(t, "main"); got != want {
		t.Errorf("read-only remote changed: main = %s, want %s", got, want)
	}
}
