package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// TestApplyNotify sends the result of an apply to a signed generic webhook and a
// Slack webhook; a webhook that fails does not fail the apply; no Secret value is sent.
func TestApplyNotify(t *testing.T) {
	t.Setenv("GITOPS_NOTIFY_SECRET", "notify-key")
	var mu sync.Mutex
	bodies := map[string]string{}
	sigs := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies[r.URL.Path], sigs[r.URL.Path] = string(b), r.Header.Get("X-Gitops-Signature-256")
		mu.Unlock()
		if r.URL.Path == "/down" {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	ns := unique("notify")
	ensureNamespace(t, ns)
	r := gitrepotest.NewRepo(t, map[string]string{
		"cm.yaml":     configMapWith("c", ns, "k", "v", nil),
		"secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: " + ns + "\nstringData:\n  token: notify-s3cret-value\n",
	})
	res := mustGitops(t, 0, "apply", r.Dir, "--applyset", ns, "--progress", "none",
		"--notify", srv.URL+"/generic", "--notify", "slack+"+srv.URL+"/slack", "--notify", srv.URL+"/down")
	if !strings.Contains(res.err, "notification failed") {
		t.Errorf("the failed webhook is not logged:\n%s", res)
	}
	var rep struct {
		Kind      string               `json:"kind"`
		Succeeded bool                 `json:"succeeded"`
		Counts    struct{ Create int } `json:"counts"`
		Target    string               `json:"target"`
	}
	if err := json.Unmarshal([]byte(bodies["/generic"]), &rep); err != nil || rep.Kind != "apply" || !rep.Succeeded || rep.Counts.Create != 2 ||
		!strings.Contains(rep.Target, ns) {
		t.Fatalf("generic notification %q (%v)", bodies["/generic"], err)
	}
	m := hmac.New(sha256.New, []byte("notify-key"))
	m.Write([]byte(bodies["/generic"]))
	if sigs["/generic"] != "sha256="+hex.EncodeToString(m.Sum(nil)) {
		t.Errorf("signature %q does not match", sigs["/generic"])
	}
	if !strings.Contains(bodies["/slack"], "apply of") || !strings.Contains(bodies["/slack"], "2 created") {
		t.Errorf("slack notification %q", bodies["/slack"])
	}
	for p, b := range bodies {
		if strings.Contains(b, "notify-s3cret-value") || strings.Contains(b, "bm90aWZ5LXMzY3JldC12YWx1ZQ") {
			t.Fatalf("%s: a Secret value was sent", p)
		}
	}
	// --notify-on failure: a clean apply sends nothing.
	mu.Lock()
	bodies = map[string]string{}
	mu.Unlock()
	mustGitops(t, 0, "apply", r.Dir, "--applyset", ns, "--progress", "none", "--notify", srv.URL+"/generic", "--notify-on", "failure")
	if len(bodies) != 0 {
		t.Fatalf("--notify-on failure notified a success: %v", bodies)
	}
	// A bad destination is refused before anything is written.
	res = gitops(t, "apply", r.Dir, "--applyset", ns, "--notify", "http://example.com/hook?token=SECRET")
	if res.code != 2 || !strings.Contains(res.err, "plain http only for localhost") || strings.Contains(res.err, "SECRET") {
		t.Fatalf("bad --notify: %s", res)
	}
}
