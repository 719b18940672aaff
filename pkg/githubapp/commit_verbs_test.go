package githubapp

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// TestCommitVerbs runs the commit verbs (what the bot reads to find the pull
// requests an apply deployed) and AddNote against the spec-checked fake.
func TestCommitVerbs(t *testing.T) {
	ctx := context.Background()
	r := gitrepotest.NewRepo(t, nil)
	bare := r.Bare(t, filepath.Join(t.TempDir(), "r.git"))
	first := r.Head(t)
	r.Git(t, "checkout", "-q", "-b", "feature")
	second := r.Commit(t, "two", nil)
	r.Git(t, "push", "-q", "origin", "feature")
	s := githubtest.NewChecked(t)
	s.AddRepo(&githubtest.Repo{FullName: "o/r", GitDir: bare})
	s.SetPullRequest("o/r", githubtest.PullRequest{Number: 3, HeadSHA: second, HeadRef: "feature", BaseRef: "main"})
	gh, err := NewClient(nil, "", s.URL)
	if err != nil {
		t.Fatal(err)
	}

	onMain := func(sha string) bool {
		t.Helper()
		ok, err := CommitOnBranch(ctx, gh, "o", "r", "main", sha)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !onMain(first) || onMain(second) {
		t.Fatalf("before the merge: %s on main %v, %s %v", first, onMain(first), second, onMain(second))
	}
	if err := s.Merge("o/r", 3); err != nil {
		t.Fatal(err)
	}
	if !onMain(second) {
		t.Fatal("the merged commit is not on main")
	}
	shas, err := ListCommitsFrom(ctx, gh, "o", "r", second, 20)
	if want := []string{second, first}; err != nil || !reflect.DeepEqual(shas, want) {
		t.Fatalf("commits %q, %v; want %q", shas, err, want)
	}
	if shas, err := ListCommitsFrom(ctx, gh, "o", "r", second, 1); err != nil || len(shas) != 1 {
		t.Fatalf("one commit: %q, %v", shas, err)
	}
	prs, err := ListCommitPullRequests(ctx, gh, "o", "r", second)
	if err != nil || len(prs) != 1 || prs[0].GetNumber() != 3 || !prs[0].GetMerged() || prs[0].GetBase().GetRef() != "main" {
		t.Fatalf("pull requests of %s: %v, %v", second, prs, err)
	}
	if prs, err := ListCommitPullRequests(ctx, gh, "o", "r", first); err != nil || len(prs) != 0 {
		t.Fatalf("pull requests of %s: %v, %v", first, prs, err)
	}
	rep := NewStatusReporter(gh, StatusTarget{Owner: "o", Repo: "r", SHA: second}, "gitops/apply/prod")
	if err := rep.Pending(ctx, "applying"); err != nil {
		t.Fatal(err)
	}
	if err := rep.Success(ctx, "1 updated"); err != nil {
		t.Fatal(err)
	}
	sts, err := ListCommitStatuses(ctx, gh, "o", "r", second)
	if err != nil || len(sts) != 2 || sts[0].GetState() != "success" || sts[0].GetContext() != "gitops/apply/prod" || sts[0].GetDescription() != "1 updated" {
		t.Fatalf("statuses: %v, %v", sts, err)
	}

	t.Run("AddNote", func(t *testing.T) {
		c := NewStickyComment(gh, "o", "r", 3, "plan", WithCommentAuthor("kubectl-gitops[bot]"))
		if added, err := c.AddNote(ctx, "applied:gitops/apply@"+second, "Applied"); err != nil || added {
			t.Fatalf("no comment: added %v, %v", added, err)
		}
		if len(s.Comments("o/r", 3)) != 0 {
			t.Fatal("AddNote created a comment")
		}
		if _, err := c.Sync(ctx, second, []string{"## Plan\n"}); err != nil {
			t.Fatal(err)
		}
		for i, line := range []string{"Applied\nto prod", "Applied again", "Applied again"} {
			key := []string{"a@1", "a@1", "b@2"}[i]
			added, err := c.AddNote(ctx, key, line)
			if err != nil || added != (i != 1) {
				t.Fatalf("note %d: added %v, %v", i, added, err)
			}
		}
		body := s.Comments("o/r", 3)[0].Body
		want := "<!-- kubectl-gitops:plan part=1 head=" + second + " -->\n" +
			"Applied again <!-- kubectl-gitops-note:b@2 -->\n\n" +
			"Applied to prod <!-- kubectl-gitops-note:a@1 -->\n\n## Plan\n"
		if body != want {
			t.Fatalf("comment:\n%s\nwant:\n%s", body, want)
		}
		if _, err := c.AddNote(ctx, "bad key", "x"); err == nil || !strings.Contains(err.Error(), "note key") {
			t.Fatalf("bad key: %v", err)
		}
	})
}
