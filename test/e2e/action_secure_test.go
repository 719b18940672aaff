package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// TestActionInstallOnlyHTTPS: the install step downloads the plugin over HTTPS only,
// redirects included; a release URL or a redirect to plain http fails the step and
// installs nothing (and never falls back to building).
func TestActionInstallOnlyHTTPS(t *testing.T) {
	e := newActionEnv(t)
	plain := httptest.NewServer(e.releaseHandler())
	t.Cleanup(plain.Close)
	fake := []byte("#!/bin/sh\nexit 0\n")
	archive := func(ref string) string {
		return ref + "/kubectl-gitops_" + strings.TrimPrefix(ref, "v") + "_linux_" + runtime.GOARCH + ".tar.gz"
	}
	tests := []struct {
		name       string
		ref        string
		releaseURL string
		redirect   [2]string // from, to
		installed  bool
	}{
		{name: "https", ref: "v1.0.1", releaseURL: e.release.URL, installed: true},
		{name: "a redirect to https", ref: "v1.0.2", releaseURL: e.release.URL,
			redirect: [2]string{archive("v1.0.2"), e.release.URL + "/mirror/" + archive("v1.0.2")}, installed: true},
		{name: "plain http", ref: "v1.0.3", releaseURL: plain.URL},
		{name: "a redirect to plain http", ref: "v1.0.4", releaseURL: e.release.URL,
			redirect: [2]string{"v1.0.4/checksums.txt", plain.URL + "/v1.0.4/checksums.txt"}},
		{name: "a redirect of the archive to plain http", ref: "v1.0.5", releaseURL: e.release.URL,
			redirect: [2]string{archive("v1.0.5"), plain.URL + "/" + archive("v1.0.5")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.publish(tt.ref, fake, false)
			if tt.redirect[0] != "" {
				e.releases["mirror/"+archive(tt.ref)] = e.releases[archive(tt.ref)]
				e.redirects[tt.redirect[0]] = tt.redirect[1]
			}
			e.releaseURL = tt.releaseURL
			temp := t.TempDir()
			res := e.run(t.TempDir(), temp, tt.ref, "push", map[string]any{}, "0000000000000000000000000000000000000000",
				map[string]string{"command": "plan", "status": "false"})
			bin := filepath.Join(temp, "kubectl-gitops-bin", tt.ref+"-linux-"+runtime.GOARCH, "kubectl-gitops")
			_, statErr := os.Stat(bin)
			if tt.installed {
				if res.Err != nil || statErr != nil || !strings.Contains(res.Log, "installed from "+e.release.URL) {
					t.Fatalf("want installed over https: %v %v\nlog:\n%s", res.Err, statErr, res.Log)
				}
				return
			}
			if res.Err == nil || statErr == nil {
				t.Fatalf("installed over plain http: %v, %v\nlog:\n%s", res.Err, statErr, res.Log)
			}
			if !strings.Contains(res.Log, "HTTP 000") || strings.Contains(res.Log, "building") {
				t.Fatalf("want the download refused (HTTP 000), no build:\nlog:\n%s", res.Log)
			}
		})
	}
}

// TestActionNotifyURLsOffCommandLines: the notify input's URLs (secrets: a Slack
// webhook URL is its own credential) reach the plugin without appearing on any command
// line the action runs (any user of a shared runner can read those with ps), and the
// notifications still arrive.
func TestActionNotifyURLsOffCommandLines(t *testing.T) {
	const secret = "notify-secret-path-5b1d"
	var mu sync.Mutex
	bodies := map[string]string{}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies[r.URL.Path] = string(b)
		mu.Unlock()
	}))
	t.Cleanup(hook.Close)

	r := gitrepotest.NewRepo(t, map[string]string{"deploy/cm.yaml": configMapWith("settings", "default", "color", "blue", nil)})
	base := r.Head(t)
	r.Write(t, map[string]string{"deploy/cm.yaml": configMapWith("settings", "default", "color", "green", nil)})
	head := r.Commit(t, "green", nil)

	e := newActionEnv(t)
	e.traceExec = true
	temp := t.TempDir()
	// The plugin: this test binary, which runs as kubectl-gitops under that name
	// (TestMain), where the install step finds an installed one.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(temp, "kubectl-gitops-bin", "main-linux-"+runtime.GOARCH, "kubectl-gitops")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(self, bin); err != nil {
		t.Fatal(err)
	}
	urls := []string{hook.URL + "/generic/" + secret, "slack+" + hook.URL + "/slack/" + secret}
	res := e.run(r.Dir, temp, "main", "push", map[string]any{"ref": "refs/heads/main", "after": head}, head, map[string]string{
		"command": "plan", "path": "deploy", "base": base, "status": "false",
		"notify": "\n  " + urls[0] + "\n" + urls[1] + "  \n",
	})
	if res.Err != nil {
		t.Fatalf("plan: %v\nlog:\n%s", res.Err, res.Log)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range []string{"/generic/" + secret, "/slack/" + secret} {
		if !strings.Contains(bodies[p], "plan") {
			t.Errorf("notification to %s: %q", p, bodies[p])
		}
	}
	ranPlugin := false
	for _, l := range res.Execs {
		if strings.Contains(l, bin) && strings.Contains(l, `"plan"`) {
			ranPlugin = true
		}
		if strings.Contains(l, secret) {
			t.Errorf("a notify URL on a command line: %s", l)
		}
	}
	if !ranPlugin {
		t.Fatalf("no command line of the plugin recorded (%d execs):\n%s", len(res.Execs), strings.Join(res.Execs, "\n"))
	}
	for _, u := range urls {
		found := false
		for _, m := range res.Masks {
			found = found || strings.Contains(u, m) && len(m) >= len(hook.URL)
		}
		if !found {
			t.Errorf("notify URL %.30s… is not masked in the log", u)
		}
	}
	requireNoLeak(t, res, nil, nil, secret)
}
