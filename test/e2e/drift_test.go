package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-gitops/kubectl-gitops/internal/browsertest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
)

// TestDriftDetection drives the bot binary with drift checks every second and its
// status page on: a target applied from the default branch is in sync; someone edits
// its ConfigMap in the cluster (kubectl edit) and the bot reports drift (a failed
// gitops/drift/dev check run annotated at the object's file and line, one issue
// "Drift: dev" with the repository's labels and assignees, the metrics, the status
// page as Chromium shows it); applying the branch again ends it (the check run
// succeeds, the issue is closed with one comment). Every call stays within GitHub's
// OpenAPI description, and the bot's account never writes to the cluster.
func TestDriftDetection(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	ns := unique("drift")
	ensureNamespace(t, ns)
	r, cloneURL, bare := remoteRepo(t, map[string]string{
		".gitops.yaml": fmt.Sprintf("targets:\n  - name: dev\n    path: deploy\n    cluster: test\n    applyset: %[1]s\n    applysetNamespace: %[1]s\n    defaultNamespace: %[1]s\n"+
			"drift:\n  labels: [drift]\n  assignees: [alice]\n", ns),
		"deploy/cm.yaml": configMapWith("settings", ns, "color", "blue", nil),
	})
	head := r.Head(t)
	apply := func(extra ...string) {
		mustGitops(t, 0, append([]string{"apply", r.Dir, "--path", "deploy", "--applyset", ns, "--applyset-namespace", ns, "--progress", "none"}, extra...)...)
	}
	apply()
	b := startBinaryBot(t, ctx, ns, bare, cloneURL, "GITOPS_BOT_DRIFT_INTERVAL=1s")
	gh := b.gh

	lastRun := func() (githubtest.CheckRun, bool) {
		var last githubtest.CheckRun
		found := false
		for _, c := range gh.CheckRuns("acme/fleet") {
			if c.Name == "gitops/drift/dev" && c.HeadSHA == head {
				last, found = c, true
			}
		}
		return last, found
	}
	waitRun := func(what, conclusion string) githubtest.CheckRun {
		t.Helper()
		var run githubtest.CheckRun
		eventually(t, 2*time.Minute, what, func() (bool, error) {
			var ok bool
			run, ok = lastRun()
			return ok && run.Conclusion == conclusion, nil
		})
		return run
	}

	// In sync: a successful check run, no issue.
	waitRun("gitops/drift/dev succeeds", "success")
	if is := gh.Issues("acme/fleet"); len(is) != 0 {
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
	run := waitRun("gitops/drift/dev fails", "failure")
	if !strings.Contains(run.Title, "the cluster differs: an object") {
		t.Errorf("drift: check run titled %q, want it to name an object", run.Title)
	}
	var at []string
	for _, a := range run.Annotations {
		at = append(at, fmt.Sprintf("%s:%d", a.Path, a.StartLine))
	}
	if len(at) != 1 || at[0] != "deploy/cm.yaml:1" {
		t.Errorf("annotations at %v, want deploy/cm.yaml:1", at)
	}
	var is []githubtest.Issue
	eventually(t, time.Minute, "the drift issue", func() (bool, error) {
		is = gh.Issues("acme/fleet")
		return len(is) == 1 && is[0].State == "open", nil
	})
	if is[0].Title != "Drift: dev" || strings.Join(is[0].Labels, ",") != "drift" || strings.Join(is[0].Assignees, ",") != "alice" {
		t.Errorf("issue %q, labels %v, assignees %v; want \"Drift: dev\", [drift], [alice]", is[0].Title, is[0].Labels, is[0].Assignees)
	}
	requireContainsAll(t, is[0].Body, "settings", "-  color: red", "+  color: blue", head[:7], "--force-conflicts")
	eventually(t, time.Minute, "the drift metrics", func() (bool, error) {
		m := metricsOf(t, b.addr)
		return strings.Contains(m, `gitops_drift_objects{repository="acme/fleet",target="dev"} 1`) &&
			strings.Contains(m, `gitops_drift_state{repository="acme/fleet",state="drift",target="dev"} 1`), nil
	})

	// The status page, in Chromium, says the target drifts and links its issue.
	p := browsertest.Load(t, "http://"+b.adminAddr+"/", browsertest.Phone, browsertest.WithScreenshot(filepath.Join(browsertest.OutputDir(t), "drift.png")))
	if got := p.TextOf("acme/fleet/dev"); !strings.Contains(got, "in drift") {
		t.Errorf("status page: dev reads %q, want in drift", got)
	}

	// Apply the branch again, taking back the field kubectl edit took: in sync, the
	// issue closed with one comment.
	apply("--force-conflicts")
	waitRun("gitops/drift/dev succeeds again", "success")
	eventually(t, time.Minute, "the drift issue closed", func() (bool, error) {
		is = gh.Issues("acme/fleet")
		return len(is) == 1 && is[0].State == "closed", nil
	})
	time.Sleep(3 * time.Second) // more rounds: nothing more is written
	var closing int
	for _, c := range gh.Comments("acme/fleet", is[0].Number) {
		if strings.Contains(c.Body, "The drift is gone") {
			closing++
		}
	}
	if closing != 1 {
		t.Errorf("%d closing comments, want 1", closing)
	}
	if n := len(gh.Issues("acme/fleet")); n != 1 {
		t.Errorf("%d issues, want 1", n)
	}
	runs := 0
	for _, c := range gh.CheckRuns("acme/fleet") {
		if c.Name == "gitops/drift/dev" {
			runs++
		}
	}
	if runs != 3 { // in sync, drift, in sync: once each, however many rounds
		t.Errorf("%d drift check runs, want 3", runs)
	}
	b.requireWithinContract(t)
}
