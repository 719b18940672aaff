package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
)

// TestBotCheckRunAnnotatesProblems: the bot binary plans a pull request that defines a
// ConfigMap twice: beside its comment and failed status, a failed gitops/plan/dev
// check run on its head with a failure annotation at the second definition's file and
// line; every call the bot made stays within GitHub's OpenAPI description (the fake is
// spec-checked) and was answered with success.
func TestBotCheckRunAnnotatesProblems(t *testing.T) {
	ns := unique("botcheck")
	ensureNamespace(t, ns)
	r, cloneURL, bare := remoteRepo(t, map[string]string{
		".gitops.yaml":   fmt.Sprintf("targets:\n  - name: dev\n    path: deploy\n    cluster: test\n    applyset: %[1]s\n    applysetNamespace: %[1]s\n    defaultNamespace: %[1]s\n", ns),
		"deploy/cm.yaml": configMapWith("settings", ns, "color", "blue", nil),
	})
	mainSHA := r.Head(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	b := startBinaryBot(t, ctx, ns, bare, cloneURL)
	gh := b.gh

	r.Git(t, "checkout", "-q", "-b", "feature")
	r.Write(t, map[string]string{
		"deploy/cm.yaml":  configMapWith("settings", ns, "color", "green", nil),
		"deploy/dup.yaml": "# the same ConfigMap again\n" + configMapWith("settings", ns, "color", "red", nil),
	})
	head := r.Commit(t, "twice", nil)
	r.Git(t, "push", "-q", "origin", "feature")
	gh.SetPullRequest("acme/fleet", githubtest.PullRequest{Number: 3, User: "alice", HeadSHA: head, HeadRef: "feature", BaseRef: "main", BaseSHA: mainSHA})

	if code, err := gh.SendPullRequestEvent("acme/fleet", 3, "opened"); err != nil || code != http.StatusAccepted {
		t.Fatalf("opened: %d %v", code, err)
	}
	var st githubtest.Status
	eventually(t, 2*time.Minute, "gitops/plan on the head", func() (bool, error) {
		sts := gh.Statuses("acme/fleet", head)
		if len(sts) > 0 {
			st = sts[len(sts)-1]
		}
		return st.State != "" && st.State != "pending", nil
	})
	if st.State != "failure" {
		t.Fatalf("status %+v, want failure", st)
	}
	var run *githubtest.CheckRun
	for _, c := range gh.CheckRuns("acme/fleet") {
		if c.Name == "gitops/plan/dev" && c.HeadSHA == head {
			run = &c
		}
	}
	if run == nil || run.Conclusion != "failure" {
		t.Fatalf("check run gitops/plan/dev on %s: %+v, want a failure", head[:7], run)
	}
	var failures []string
	for _, a := range run.Annotations {
		if a.Level == "failure" {
			failures = append(failures, fmt.Sprintf("%s:%d %s", a.Path, a.StartLine, a.Message))
		}
	}
	if len(failures) != 1 || !strings.HasPrefix(failures[0], "deploy/dup.yaml:2 ") {
		t.Fatalf("failure annotations %q, want one at deploy/dup.yaml:2", failures)
	}
	if c := gh.Comments("acme/fleet", 3); len(c) != 1 || !strings.HasPrefix(run.DetailsURL, "https://github.com/acme/fleet/pull/3#issuecomment-") {
		t.Errorf("%d comments; details %q, want the comment's URL", len(c), run.DetailsURL)
	}
	b.requireWithinContract(t)
}
