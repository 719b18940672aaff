package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-gitops/kubectl-gitops/internal/browsertest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot/statuspage"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
)

// TestDriftDetection: a target applied from the default branch is in sync; someone
// edits its ConfigMap in the cluster and the next round reports drift (a failed
// gitops/drift/dev check run annotated at the object's file and line, an issue
// "Drift: dev" with the repository's labels, the status page in Chromium says so);
// applying the branch again ends it (the check run succeeds, the issue is closed with
// a comment). The bot's account never writes to the cluster.
func TestDriftDetection(t *testing.T) {
	ns := unique("drift")
	ensureNamespace(t, ns)
	r, cloneURL, bare := remoteRepo(t, map[string]string{
		".gitops.yaml": fmt.Sprintf("targets:\n  - name: dev\n    path: deploy\n    cluster: test\n    applyset: %s\n    defaultNamespace: %s\n"+
			"drift:\n  labels: [drift]\n  assignees: [alice]\n", ns, ns),
		"deploy/cm.yaml": configMapWith("settings", ns, "color", "blue", nil),
	})
	head := r.Head(t)
	mustGitops(t, 0, "apply", r.Dir, "--path", "deploy", "--applyset", ns, "--progress", "none")

	e := newBotEnv(t)
	e.gh.AddRepo(&githubtest.Repo{FullName: "acme/fleet", GitDir: bare, CloneURL: cloneURL})
	board := statuspage.NewBoard()
	board.GitHubURL = "https://github.com"
	e.planner.Board = board
	d := &bot.DriftDetector{Planner: e.planner, Board: board, Metrics: bot.NewDriftMetrics(nil), Log: slog.New(slog.DiscardHandler),
		Repos: func(context.Context) ([]bot.RepoRef, error) {
			return []bot.RepoRef{{Installation: 1, Owner: "acme", Name: "fleet"}}, nil
		}}
	ctx := context.Background()
	check := func() githubtest.CheckRun {
		t.Helper()
		if err := d.CheckAll(ctx); err != nil {
			t.Fatalf("check: %v", err)
		}
		var last *githubtest.CheckRun
		for _, c := range e.gh.CheckRuns("acme/fleet") {
			if c.Name == "gitops/drift/dev" && c.HeadSHA == head {
				last = &c
			}
		}
		if last == nil {
			t.Fatalf("no check run gitops/drift/dev on %s", head[:7])
		}
		return *last
	}

	// In sync: a successful check run, no issue.
	if run := check(); run.Conclusion != "success" {
		t.Fatalf("in sync: check run %s %q, want success", run.Conclusion, run.Title)
	}
	if is := e.gh.Issues("acme/fleet"); len(is) != 0 {
		t.Fatalf("in sync: issues %+v, want none", is)
	}

	// kubectl edit: the cluster drifts.
	cms := kube(t).CoreV1().ConfigMaps(ns)
	cm, err := cms.Get(ctx, "settings", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data["color"] = "red"
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
		t.Fatal(err)
	}
	run := check()
	if run.Conclusion != "failure" || !strings.Contains(run.Title, "an object") {
		t.Fatalf("drift: check run %s %q, want a failure naming an object:\n%s\n%s", run.Conclusion, run.Title, run.Summary, run.Text)
	}
	var at []string
	for _, a := range run.Annotations {
		at = append(at, fmt.Sprintf("%s:%d", a.Path, a.StartLine))
	}
	if len(at) != 1 || at[0] != "deploy/cm.yaml:1" {
		t.Errorf("annotations at %v, want deploy/cm.yaml:1", at)
	}
	is := e.gh.Issues("acme/fleet")
	if len(is) != 1 || is[0].State != "open" || is[0].Title != "Drift: dev" {
		t.Fatalf("drift: issues %+v, want one open \"Drift: dev\"", is)
	}
	requireContainsAll(t, is[0].Body, "settings", "-  color: red", "+  color: blue", head[:7], "--force-conflicts")
	if strings.Join(is[0].Labels, ",") != "drift" || strings.Join(is[0].Assignees, ",") != "alice" {
		t.Errorf("issue labels %v, assignees %v; want [drift], [alice]", is[0].Labels, is[0].Assignees)
	}
	// A second round finds the same drift: still one issue.
	check()
	if n := len(e.gh.Issues("acme/fleet")); n != 1 {
		t.Errorf("second round: %d issues, want 1", n)
	}

	// The status page, in Chromium, says the target drifts and links its issue.
	srv := httptest.NewServer(board)
	defer srv.Close()
	p := browsertest.Load(t, srv.URL+"/", browsertest.Phone, browsertest.WithScreenshot(filepath.Join(browsertest.OutputDir(t), "drift.png")))
	if got := p.TextOf("acme/fleet/dev"); !strings.Contains(got, "in drift") {
		t.Errorf("status page: dev reads %q, want in drift", got)
	}

	// Apply the branch again, taking back the field kubectl edit took: in sync, the
	// issue closed with a comment.
	mustGitops(t, 0, "apply", r.Dir, "--path", "deploy", "--applyset", ns, "--progress", "none", "--force-conflicts")
	if run := check(); run.Conclusion != "success" {
		t.Fatalf("after apply: check run %s %q, want success\n%s", run.Conclusion, run.Title, run.Text)
	}
	is = e.gh.Issues("acme/fleet")
	if len(is) != 1 || is[0].State != "closed" {
		t.Fatalf("after apply: issues %+v, want the one closed", is)
	}
	var closing int
	for _, c := range e.gh.Comments("acme/fleet", is[0].Number) {
		if strings.Contains(c.Body, "The drift is gone") {
			closing++
		}
	}
	if closing != 1 {
		t.Errorf("%d closing comments, want 1", closing)
	}
	for _, c := range e.gh.Calls() {
		if c.Status >= 400 {
			t.Errorf("%s %s answered %d: outside GitHub's contract or refused", c.Method, c.Path, c.Status)
		}
	}
}
