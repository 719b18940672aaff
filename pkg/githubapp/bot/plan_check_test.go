package bot

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/webhook"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// checkFixture is a Planner against the spec-checked fake GitHub, with acme/fleet's
// pull request 7 writing feature (offline plans: no cluster).
type checkFixture struct {
	gh      *githubtest.Server
	planner *Planner
	remote  gitRemote
}

func newCheckFixture(t *testing.T, feature map[string]string) *checkFixture {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	gh := githubtest.NewChecked(t)
	gh.App = &githubtest.App{ID: 5, Slug: "kubectl-gitops", Key: &key.PublicKey, TokenTTL: time.Hour,
		Installations: map[int64]bool{1: true}, Repos: map[int64][]string{1: {"acme/fleet"}}}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	app, err := githubapp.NewApp(5, keyPEM, gh.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	r := newGitRemoteWith(t, root, "fleet", feature)
	git, err := gitrepotest.NewHTTPServer(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(git.Close)
	gh.AddRepo(&githubtest.Repo{FullName: "acme/fleet", GitDir: r.bare, CloneURL: git.URL + "/fleet.git",
		Permissions: map[string]string{"alice": "write", "mallory": "read"}})
	gh.SetPullRequest("acme/fleet", githubtest.PullRequest{Number: 7, User: "alice", HeadSHA: r.feature, HeadRef: "feature", BaseRef: "main", BaseSHA: r.main})
	return &checkFixture{gh: gh, remote: r, planner: &Planner{App: app, Log: slog.New(slog.DiscardHandler), BotLogin: "kubectl-gitops[bot]"}}
}

// greenFeature changes one value.
var greenFeature = map[string]string{"deploy/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  color: green\n"}

func (f *checkFixture) plan(t *testing.T) {
	t.Helper()
	if err := f.planner.Plan(context.Background(), prJob{inst: 1, owner: "acme", repo: "fleet", number: 7, trigger: "test"}); err != nil {
		t.Fatal(err)
	}
}

// runs are the check runs named gitops/plan/preview.
func (f *checkFixture) runs() []githubtest.CheckRun {
	var out []githubtest.CheckRun
	for _, r := range f.gh.CheckRuns("acme/fleet") {
		if r.Name == "gitops/plan/preview" {
			out = append(out, r)
		}
	}
	return out
}

// TestPlanCheckRunAnnotatesEveryChange: 120 objects to create and a Secret give one
// check run on the head, success, titled with the counts, its 121 notices paged 50
// per request at each object's repository-relative file:line, linked to the plan
// comment, with no Secret value sent anywhere. Planning again changes nothing.
func TestPlanCheckRunAnnotatesEveryChange(t *testing.T) {
	feature := map[string]string{"deploy/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: t0ps3cr3t-value\n"}
	for i := 0; i < 120; i++ {
		feature[fmt.Sprintf("deploy/many/cm-%03d.yaml", i)] = fmt.Sprintf("# object %d\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%03d\n", i, i)
	}
	f := newCheckFixture(t, feature)
	f.plan(t)
	runs := f.runs()
	if len(runs) != 1 {
		t.Fatalf("%d check runs, want 1: %+v", len(runs), f.gh.CheckRuns("acme/fleet"))
	}
	run := runs[0]
	if run.HeadSHA != f.remote.feature || run.Status != "completed" || run.Conclusion != "success" {
		t.Fatalf("run on %s: %s %s, want completed success on %s", run.HeadSHA, run.Status, run.Conclusion, f.remote.feature)
	}
	if !strings.Contains(run.Title, "121") || !strings.Contains(run.Title, "to create") {
		t.Errorf("title %q, want the counts", run.Title)
	}
	if strings.Contains(run.Summary, "```diff") || !strings.Contains(run.Text, "ConfigMap shop/cm-000") {
		t.Errorf("the summary holds diffs or the text misses them:\nsummary %s\ntext %.300s", run.Summary, run.Text)
	}
	if len(run.Annotations) != 121 || run.Requests != 3 {
		t.Fatalf("%d annotations in %d requests, want 121 in 3 (50 per request)", len(run.Annotations), run.Requests)
	}
	found := false
	for _, a := range run.Annotations {
		if a.Level != "notice" {
			t.Errorf("annotation %+v: level %s, want notice", a, a.Level)
		}
		if a.Path == "deploy/many/cm-007.yaml" && a.StartLine == 2 && strings.Contains(a.Message, "to create") {
			found = true
		}
	}
	if !found {
		t.Errorf("no notice at deploy/many/cm-007.yaml:2 (the object's first line); first %+v", run.Annotations[0])
	}
	comments := f.gh.Comments("acme/fleet", 7)
	if len(comments) != 1 || !strings.HasPrefix(run.DetailsURL, "https://github.com/acme/fleet/pull/7#issuecomment-") {
		t.Errorf("details %q, want the plan comment's URL", run.DetailsURL)
	}
	for _, c := range f.gh.Calls() {
		if strings.Contains(c.Body, "t0ps3cr3t") {
			t.Fatalf("%s %s sent the Secret's value", c.Method, c.Path)
		}
	}

	// A replay (another replica, a restart) writes nothing more to the check run.
	writes := f.gh.CountCalls(http.MethodPost, "/check-runs") + f.gh.CountCalls(http.MethodPatch, "/check-runs")
	f.plan(t)
	if n := f.gh.CountCalls(http.MethodPost, "/check-runs") + f.gh.CountCalls(http.MethodPatch, "/check-runs"); n != writes {
		t.Errorf("planning the same head again wrote the check run %d more times", n-writes)
	}
}

// TestPlanCheckRunAnnotatesProblems: a manifest problem fails the target's check run
// with a failure annotation at the problem's file and line.
func TestPlanCheckRunAnnotatesProblems(t *testing.T) {
	f := newCheckFixture(t, map[string]string{
		"deploy/bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n",
	})
	f.plan(t)
	runs := f.runs()
	if len(runs) != 1 || runs[0].Conclusion != "failure" {
		t.Fatalf("runs %+v, want one failure", runs)
	}
	var failures []githubtest.Annotation
	for _, a := range runs[0].Annotations {
		if a.Level == "failure" {
			failures = append(failures, a)
		}
	}
	if len(failures) != 1 || failures[0].Path != "deploy/bad.yaml" || failures[0].StartLine != 6 {
		t.Fatalf("failure annotations %+v, want one at deploy/bad.yaml:6 (the second definition)", failures)
	}
	if st, _ := finalStatus(f.gh, "acme/fleet", f.remote.feature); st.State != "failure" {
		t.Errorf("status %+v: the gitops/plan status stays, failed", st)
	}
}

// TestCheckRunReRun: a re-run of the bot's check run re-plans the pull request for a
// user with write access, with a new check run; a user with read access gets no
// plan; another App's check run, or another name, is not the bot's business.
func TestCheckRunReRun(t *testing.T) {
	f := newCheckFixture(t, greenFeature)
	f.plan(t)
	first := f.runs()
	if len(first) != 1 {
		t.Fatalf("%d runs after the plan", len(first))
	}
	routes := NewRoutes(f.planner, nil, slog.New(slog.DiscardHandler))
	event := func(sender, name string, app int64, prs bool) webhook.Event {
		e := &webhook.CheckRunEvent{Action: "rerequested"}
		e.CheckRun.ID, e.CheckRun.Name, e.CheckRun.HeadSHA, e.CheckRun.ExternalID = first[0].ID, name, first[0].HeadSHA, first[0].ExternalID
		e.CheckRun.App.ID = app
		if prs {
			e.CheckRun.PullRequests = append(e.CheckRun.PullRequests, struct {
				Number int `json:"number"`
				Head   struct {
					SHA string `json:"sha"`
				} `json:"head"`
			}{Number: 7})
		}
		e.Sender.Login = sender
		e.Repository.Name, e.Repository.FullName, e.Repository.Owner.Login = "fleet", "acme/fleet", "acme"
		return webhook.Event{Name: "check_run", Payload: e, Installation: 1}
	}
	for _, ev := range []webhook.Event{event("alice", "gitops/plan/preview", 6, true), event("alice", "ci/test", 5, true)} {
		if _, ok := routes["check_run"](ev); ok {
			t.Errorf("%+v made a job", ev.Payload)
		}
	}

	statuses := len(f.gh.Statuses("acme/fleet", f.remote.feature))
	j, ok := routes["check_run"](event("mallory", "gitops/plan/preview", 5, true))
	if !ok || j.Key != "acme/fleet#7" {
		t.Fatalf("mallory's re-run: job %q %v", j.Key, ok)
	}
	if err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(f.gh.Statuses("acme/fleet", f.remote.feature)); n != statuses || len(f.runs()) != 1 {
		t.Fatalf("a reader's re-run planned: %d new statuses, %d runs", n-statuses, len(f.runs()))
	}

	// Without pull_requests (a fork's pull request), the external id names it.
	j, ok = routes["check_run"](event("alice", "gitops/plan/preview", 5, false))
	if !ok || j.Key != "acme/fleet#7" {
		t.Fatalf("alice's re-run: job %q %v", j.Key, ok)
	}
	if err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	runs := f.runs()
	if len(runs) != 2 || runs[1].Status != "completed" || runs[1].ExternalID == runs[0].ExternalID {
		t.Fatalf("after alice's re-run: %+v, want a second, completed run", runs)
	}
	if n := len(f.gh.Statuses("acme/fleet", f.remote.feature)); n != statuses+2 {
		t.Errorf("%d new statuses, want pending and the result", n-statuses)
	}
	// The same delivery again (another replica) makes no third run.
	if err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(f.runs()) != 2 {
		t.Errorf("a replayed re-run made %d runs", len(f.runs()))
	}
}

// TestCheckRunFailureKeepsTheComment: GitHub refusing the check run (an installation
// without checks: write) leaves the comment and the status written, and counts it.
func TestCheckRunFailureKeepsTheComment(t *testing.T) {
	f := newCheckFixture(t, greenFeature)
	reg := NewMetrics()
	f.planner.Metrics = NewPlanMetrics(reg.Registry)
	f.gh.Inject(githubtest.Fault{Method: http.MethodGet, Path: regexp.MustCompile(`/check-runs$`), Times: 100, Status: http.StatusForbidden,
		Message: "Resource not accessible by integration"})
	f.plan(t)
	if st, _ := finalStatus(f.gh, "acme/fleet", f.remote.feature); st.State != "success" || len(f.gh.Comments("acme/fleet", 7)) != 1 {
		t.Fatalf("status %+v, %d comments: want success and the comment", st, len(f.gh.Comments("acme/fleet", 7)))
	}
	if got := counterValue(t, reg, "gitops_bot_check_run_failures_total"); got != 1 {
		t.Errorf("check run failures counted: %v, want 1", got)
	}
}

// counterValue is the value of the counter metric (without labels).
func counterValue(t *testing.T, m *Metrics, metric string) float64 {
	t.Helper()
	mfs, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == metric && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", metric)
	return 0
}
