package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
)

// TestDeployedNotes: a final gitops/apply status on a commit of main, delivered as a
// status webhook, heads the plan comments of the pull requests merged since the
// previous successful apply with a note (escaped, linked to an https run only); a
// second apply of the same commit, a pending status, another status context and a
// commit off main add nothing; a failure of another target is noted back to its own
// previous success (none here: every merged pull request).
func TestDeployedNotes(t *testing.T) {
	ctx := context.Background()
	f := newBumpFixture(t, map[string]string{"app.yaml": "a: 1\n"})
	const bot = "kubectl-gitops[bot]"
	gh := f.app.Installation(1)
	status := func(sha, context string) *githubapp.StatusReporter {
		return githubapp.NewStatusReporter(gh, githubapp.StatusTarget{Owner: "acme", Repo: "fleet", SHA: sha}, context,
			githubapp.WithTargetURL("https://github.com/acme/fleet/actions/runs/7"))
	}
	planComment := func(n int, head string) {
		f.gh.AddComment("acme/fleet", n, bot, fmt.Sprintf("<!-- kubectl-gitops:plan part=1 head=%s -->\n## Plan %d\n", head, n))
	}
	// The previous apply: c0, merged by pull request 9.
	c0 := f.repo.Head(t)
	f.gh.SetPullRequest("acme/fleet", githubtest.PullRequest{Number: 9, HeadSHA: c0, HeadRef: "old", BaseRef: "main", State: "closed", Merged: true, MergeCommitSHA: c0})
	planComment(9, c0)
	if err := status(c0, "gitops/apply/prod").Success(ctx, "1 created"); err != nil {
		t.Fatal(err)
	}
	// Two pull requests merged since; a third one open.
	var heads []string
	for _, n := range []int{1, 2, 3} {
		branch := fmt.Sprintf("pr%d", n)
		f.repo.Git(t, "checkout", "-q", "-b", branch)
		heads = append(heads, f.repo.Commit(t, branch, map[string]string{"app.yaml": fmt.Sprintf("a: %d\n", n+1)}))
		f.repo.Git(t, "push", "-q", "origin", branch)
		f.gh.SetPullRequest("acme/fleet", githubtest.PullRequest{Number: n, HeadSHA: heads[n-1], HeadRef: branch, BaseRef: "main"})
		planComment(n, heads[n-1])
		if n < 3 {
			if err := f.gh.Merge("acme/fleet", n); err != nil {
				t.Fatal(err)
			}
		}
	}
	serve(t, f.gh, Config{App: f.app, Workers: 1, QueueSize: 10,
		Routes: NewRoutes(&Planner{App: f.app, BotLogin: bot, Log: slog.New(slog.DiscardHandler)}, nil, nil)})

	body := func(n int) string {
		cs := f.gh.Comments("acme/fleet", n)
		if len(cs) != 1 {
			t.Fatalf("pull request %d has %d comments", n, len(cs))
		}
		return cs[0].Body
	}
	waitFor := func(n int, substr string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(body(n), substr) {
			if time.Now().After(deadline) {
				t.Fatalf("pull request %d's comment never said %q:\n%s", n, substr, body(n))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	c2 := heads[1]
	if err := status(c2, "gitops/apply/prod").Pending(ctx, "applying"); err != nil {
		t.Fatal(err)
	}
	if err := status(c2, "gitops/apply/prod").Success(ctx, "2 updated, 1 deleted"); err != nil {
		t.Fatal(err)
	}
	waitFor(1, "**Applied** to `prod`")
	waitFor(2, "**Applied** to `prod`")
	want := " by [the run](https://github.com/acme/fleet/actions/runs/7): 2 updated, 1 deleted <!-- kubectl-gitops-note:applied:gitops/apply/prod@" + c2 + " -->\n\n## Plan 1\n"
	if b := body(1); !strings.HasSuffix(b, want) || !strings.HasPrefix(b, "<!-- kubectl-gitops:plan part=1 head="+heads[0]+" -->\n**Applied** to `prod` at ") {
		t.Fatalf("pull request 1's comment:\n%s\nwant it to end with:\n%s", b, want)
	}

	// Applied again, a failure of another target with hostile text, a pending status,
	// a commit off main: only the failure is noted, on both merged pull requests.
	if err := status(c2, "gitops/apply/prod").Success(ctx, "2 updated, 1 deleted"); err != nil {
		t.Fatal(err)
	}
	if err := status(heads[2], "gitops/apply/prod").Success(ctx, "off main"); err != nil {
		t.Fatal(err)
	}
	if err := status(c2, "gitops/plan").Failure(ctx, "not an apply"); err != nil {
		t.Fatal(err)
	}
	hostile := githubapp.NewStatusReporter(gh, githubapp.StatusTarget{Owner: "acme", Repo: "fleet", SHA: c2}, "gitops/apply/st*g*",
		githubapp.WithTargetURL("javascript:alert(1)"))
	if err := hostile.Failure(ctx, "@admins see <b>#12</b> [x](http://evil)"); err != nil {
		t.Fatal(err)
	}
	waitFor(2, "**failed**")
	waitFor(1, "**failed**")
	b := body(1)
	if strings.Count(b, "**Applied**") != 1 || strings.Contains(b, "javascript") || strings.Contains(b, "<b>") || strings.Contains(b, "](http://evil)") {
		t.Fatalf("pull request 1's comment:\n%s", b)
	}
	if !strings.Contains(b, "**Apply** to `st*g*` **failed** at ") {
		t.Fatalf("failure note:\n%s", b)
	}
	// Pull request 9 came before prod's previous apply; st*g* was never applied (its
	// note is written after pull requests 1 and 2's: waited for too).
	waitFor(9, "`st*g*` **failed**")
	if b := body(9); strings.Contains(b, "**Applied**") || !strings.Contains(b, "`st*g*` **failed**") {
		t.Fatalf("pull request 9's comment:\n%s", b)
	}
	if b := body(3); strings.Contains(b, "Appl") {
		t.Fatalf("the open pull request 3 was noted:\n%s", b)
	}
}
