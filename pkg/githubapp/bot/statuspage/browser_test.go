package statuspage_test

import (
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/internal/browsertest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot/statuspage"
)

// TestPageInBrowser draws a board with a target in drift on a phone and a desktop, in
// Chromium, and checks what a person sees.
func TestPageInBrowser(t *testing.T) {
	b := statuspage.NewBoard()
	b.Queue = func() statuspage.Queue { return statuspage.Queue{Waiting: 2, Running: 1, Capacity: 100} }
	b.SetInstallation(1, "acme")
	b.SetTarget(1, "acme/fleet", "prod", "prod-eu", "clusters/prod")
	b.SetTarget(1, "acme/fleet", "staging", "", "clusters/staging")
	now := time.Now()
	b.RecordPlan(1, "acme/fleet", "prod", statuspage.Run{SHA: "c416a47aa", Time: now.Add(-3 * time.Minute), Summary: "2 to update, 1 to delete", URL: "https://github.com/acme/fleet/pull/12"})
	b.RecordApply(1, "acme/fleet", "prod", statuspage.Run{SHA: "b2c3d4e5f", Time: now.Add(-2 * time.Hour), Summary: "2 updated"})
	b.RecordDrift(1, "acme/fleet", "prod", statuspage.Drift{State: statuspage.Drifted, Objects: 2, Checked: now, IssueURL: "https://github.com/acme/fleet/issues/40"})
	b.RecordDrift(1, "acme/fleet", "staging", statuspage.Drift{State: statuspage.InSync, Checked: now})
	b.AddPull(1, "acme/fleet", statuspage.Pull{Number: 41, Title: "Bump ghcr.io/acme/api to 1.4.2", URL: "https://github.com/acme/fleet/pull/41"})
	b.RecordError("acme/fleet", "pull_request", "cluster prod-eu: connection refused")
	srv := httptest.NewServer(b)
	defer srv.Close()

	out := browsertest.OutputDir(t)
	for _, size := range []struct {
		name string
		opt  browsertest.Option
	}{{"phone", browsertest.Phone}, {"desktop", browsertest.Desktop}} {
		t.Run(size.name, func(t *testing.T) {
			p := browsertest.Load(t, srv.URL+"/", size.opt, browsertest.WithScreenshot(filepath.Join(out, size.name+".png")))
			if got := p.TextOf("acme/fleet/prod"); !strings.Contains(got, "in drift: 2 objects") || !strings.Contains(got, "2 to update, 1 to delete") {
				t.Errorf("prod reads %q", got)
			}
			if got := p.TextOf("acme/fleet/staging"); !strings.Contains(got, "in sync") || !strings.Contains(got, "none (offline plans)") {
				t.Errorf("staging reads %q", got)
			}
			text := p.Text()
			for _, want := range []string{"2 waiting, 1 running", "#41 Bump ghcr.io/acme/api to 1.4.2", "connection refused"} {
				if !strings.Contains(text, want) {
					t.Errorf("page lacks %q:\n%s", want, text)
				}
			}
			if forms := p.ElementsByTag("form"); len(forms) != 0 {
				t.Errorf("a read-only page has %d forms", len(forms))
			}
		})
	}
}
