package e2e

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
)

// countingProxy is the test API server behind a plain-HTTP proxy that counts the
// requests it forwards: a kubeconfig context pointing at it is a "cluster" of its own.
func countingProxy(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	target, err := url.Parse(cluster.Config.Host)
	if err != nil {
		t.Fatal(err)
	}
	hits := &atomic.Int64{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // loopback test cluster
	ps := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		r.Header.Set("Authorization", "Bearer "+cluster.Config.BearerToken) // client-go sends no token over plain http
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(ps.Close)
	return ps.URL, hits
}

// TestBotClusterGrants: one bot serves two installations (acme, beta), each granted
// its own kubeconfig context by the operator's --cluster-access file. Both contexts
// reach the same API server; the namespaces differ. acme's repository names beta's
// cluster: it gets an offline plan saying why, the cluster gets not one request, and
// nothing of beta's namespace reaches GitHub. acme's own grant plans live, with its
// allowNamespaces cut down to the granted namespaces; beta's target without
// allowNamespaces gets its grant's namespaces (a glob).
func TestBotClusterGrants(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	nsA, nsA2, nsB := unique("grant-a"), unique("grant-a2"), unique("grant-b")
	for _, ns := range []string{nsA, nsA2, nsB} {
		ensureNamespace(t, ns)
	}
	// What beta's namespace holds outside any ApplySet (made by hand, or another tool):
	// a live plan of an object of the same name would show it in its diff.
	const bPrivate = "b-private-teal"
	if _, err := kube(t).CoreV1().ConfigMaps(nsB).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "private", Namespace: nsB}, Data: map[string]string{"value": bPrivate}},
		metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}

	// acme/fleet (installation 1): its own target on ctx-a, and one on beta's ctx-b.
	acme, acmeClone, acmeBare := remoteRepo(t, map[string]string{
		".gitops.yaml": fmt.Sprintf(`targets:
  - name: own
    path: own
    cluster: ctx-a
    applyset: %[1]s
    applysetNamespace: %[1]s
    defaultNamespace: %[1]s
    allowNamespaces: [%[1]s, %[2]s]
  - name: steal
    path: steal
    cluster: ctx-b
    applyset: steal
    applysetNamespace: %[3]s
    defaultNamespace: %[3]s
`, nsA, nsA2, nsB),
		"own/cm.yaml":   configMapWith("settings", nsA, "color", "blue", nil),
		"steal/cm.yaml": configMapWith("private", nsB, "note", "a-guess", nil),
	})
	acmeMain := acme.Head(t)
	mustGitops(t, 0, "apply", acme.Dir, "--path", "own", "--applyset", nsA, "--applyset-namespace", nsA, "--progress", "none")

	// beta/shop (installation 2): one target on ctx-b, no allowNamespaces.
	beta, betaClone, betaBare := remoteRepo(t, map[string]string{
		".gitops.yaml":   fmt.Sprintf("targets:\n  - name: prod\n    path: deploy\n    cluster: ctx-b\n    applyset: %[1]s\n    applysetNamespace: %[1]s\n    defaultNamespace: %[1]s\n", nsB),
		"deploy/cm.yaml": configMapWith("settings", nsB, "color", "b-blue", nil),
	})
	betaMain := beta.Head(t)
	mustGitops(t, 0, "apply", beta.Dir, "--path", "deploy", "--applyset", nsB, "--applyset-namespace", nsB, "--progress", "none")

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	gh := githubtest.NewChecked(t)
	gh.App = &githubtest.App{ID: 5, Slug: "kubectl-gitops", Key: &key.PublicKey, TokenTTL: time.Hour,
		Installations: map[int64]bool{1: true, 2: true}, Repos: map[int64][]string{1: {"acme/fleet"}, 2: {"beta/shop"}}}
	gh.AddRepo(&githubtest.Repo{FullName: "acme/fleet", GitDir: acmeBare, CloneURL: acmeClone})
	gh.AddRepo(&githubtest.Repo{FullName: "beta/shop", GitDir: betaBare, CloneURL: betaClone})

	// Two contexts, two proxies counting what each "cluster" is sent.
	urlA, hitsA := countingProxy(t)
	urlB, hitsB := countingProxy(t)
	dir := t.TempDir()
	const webhookSecret = "grants-webhook-secret"
	files := map[string]string{
		"key.pem":        string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		"webhook-secret": webhookSecret,
		"kubeconfig": fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- {name: a, cluster: {server: %s}}
- {name: b, cluster: {server: %s}}
users:
- {name: u, user: {}}
contexts:
- {name: ctx-a, context: {cluster: a, user: u, namespace: default}}
- {name: ctx-b, context: {cluster: b, user: u, namespace: default}}
current-context: ctx-a
`, urlA, urlB),
		// GitHub logins are case-insensitive: ACME is acme, Beta is beta.
		"cluster-access.yaml": fmt.Sprintf(`clusters:
  ctx-a:
    owners: [ACME]
    namespaces: [%s]
  ctx-b:
    repositories: ["Beta/*"]
    namespaces: ["%s*"]
`, nsA, nsB),
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	botAddr := freeLoopbackAddr(t)
	logs := startBot(t, ctx, dir, []string{
		"GITOPS_BOT_LISTEN=" + botAddr,
		"GITOPS_BOT_GITHUB_API_URL=" + gh.URL + "/",
		"GITOPS_BOT_APP_ID=5",
		"GITOPS_BOT_APP_PRIVATE_KEY_FILE=" + filepath.Join(dir, "key.pem"),
		"GITOPS_BOT_WEBHOOK_SECRET_FILE=" + filepath.Join(dir, "webhook-secret"),
		"GITOPS_BOT_KUBECONFIG=" + filepath.Join(dir, "kubeconfig"),
		"GITOPS_BOT_CLUSTER_ACCESS=" + filepath.Join(dir, "cluster-access.yaml"),
		"GITOPS_BOT_AUTOMATION_INTERVAL=0",
		"GITOPS_BOT_DRIFT_INTERVAL=0", // only the pull requests' plans write
		"GITOPS_BOT_LEADER_ELECT=false",
		"GITOPS_BOT_LOG_FORMAT=json",
		"HOME=" + dir,
	})
	// The start-up re-plan found nothing to do; from here on, only the events below plan.
	eventually(t, 2*time.Minute, "the start-up re-plan", func() (bool, error) {
		return strings.Contains(logs.String(), "re-planned stale pull requests"), nil
	})
	client := &http.Client{Transport: &http.Transport{}, Timeout: 30 * time.Second}
	send := func(inst int64, repo string, number int, head string) {
		t.Helper()
		owner, name, _ := strings.Cut(repo, "/")
		body := fmt.Sprintf(`{"action":"opened","number":%d,"pull_request":{"number":%d,"head":{"sha":%q}},`+
			`"repository":{"name":%q,"full_name":%q,"owner":{"login":%q}},"installation":{"id":%d}}`, number, number, head, name, repo, owner, inst)
		req, _ := http.NewRequest(http.MethodPost, "http://"+botAddr+"/webhook", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", "pull_request")
		req.Header.Set("X-GitHub-Delivery", fmt.Sprintf("%s-%d-%s", repo, number, head))
		m := hmac.New(sha256.New, []byte(webhookSecret))
		m.Write([]byte(body))
		req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(m.Sum(nil)))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("pull_request opened of %s#%d: %d", repo, number, resp.StatusCode)
		}
	}
	finalStatus := func(repo, sha string) githubtest.Status {
		t.Helper()
		var last githubtest.Status
		eventually(t, 2*time.Minute, "gitops/plan of "+repo+"@"+sha, func() (bool, error) {
			st := gh.Statuses(repo, sha)
			if len(st) == 0 {
				return false, nil
			}
			last = st[len(st)-1]
			return last.State != "pending", nil
		})
		return last
	}
	// writes are the calls that are not reads or installation tokens.
	writes := func(calls []githubtest.Call) map[string]int {
		got := map[string]int{}
		for _, c := range calls {
			if c.Method != http.MethodGet && !strings.HasSuffix(c.Path, "/access_tokens") {
				got[c.Method+" "+c.Path]++
			}
		}
		return got
	}

	// acme's pull request changes both targets, and adds an object in nsA2, which its
	// allowNamespaces lists but its grant does not.
	acme.Git(t, "checkout", "-q", "-b", "change")
	acme.Write(t, map[string]string{
		"own/cm.yaml":    configMapWith("settings", nsA, "color", "green", nil),
		"own/extra.yaml": configMapWith("extra", nsA2, "k", "v", nil),
		"steal/cm.yaml":  configMapWith("private", nsB, "note", "a-guess-2", nil),
	})
	acmeHead := acme.Commit(t, "change", nil)
	acme.Git(t, "push", "-q", "origin", "change")
	gh.SetPullRequest("acme/fleet", githubtest.PullRequest{Number: 1, User: "alice", HeadSHA: acmeHead, HeadRef: "change", BaseRef: "main", BaseSHA: acmeMain})
	before, bHits := len(gh.Calls()), hitsB.Load()
	send(1, "acme/fleet", 1, acmeHead)
	st := finalStatus("acme/fleet", acmeHead)
	var body string
	for _, c := range gh.Comments("acme/fleet", 1) {
		body += c.Body
	}
	if n := hitsB.Load() - bHits; n != 0 {
		t.Errorf("acme's plan sent %d requests to ctx-b, a cluster it is not granted", n)
	}
	if hitsA.Load() == 0 {
		t.Errorf("acme's plan sent no request to ctx-a, its granted cluster")
	}
	requireContainsAll(t, body,
		"own (live: dry-run against cluster ctx-a)", "`ConfigMap "+nsA+"/settings`", "+  color: green",
		fmt.Sprintf("namespace %q is not allowed", nsA2),
		"steal (offline", "cluster ctx-b is not granted to acme/fleet", "+  note: a-guess-2")
	if st.State != "failure" { // the refused object is a problem of the plan
		t.Errorf("acme's status %+v, want failure (an object outside the granted namespaces)", st)
	}
	if got, want := fmt.Sprint(writes(gh.Calls()[before:])), fmt.Sprint(map[string]int{
		"POST /repos/acme/fleet/check-runs":           2, // a check run per target
		"POST /repos/acme/fleet/issues/1/comments":    1,
		"POST /repos/acme/fleet/statuses/" + acmeHead: 2,
	}); got != want {
		t.Errorf("GitHub writes of acme's plan:\n got %s\nwant %s", got, want)
	}
	for _, c := range gh.Calls() {
		if strings.Contains(c.Body, bPrivate) {
			t.Errorf("%s %s carries what beta's cluster holds", c.Method, c.Path)
		}
	}

	// beta's pull request plans live on ctx-b, its grant; its object outside the granted
	// namespaces (acme's) is refused before anything is read of it.
	beta.Git(t, "checkout", "-q", "-b", "change")
	beta.Write(t, map[string]string{
		"deploy/cm.yaml":    configMapWith("settings", nsB, "color", "b-new", nil),
		"deploy/other.yaml": configMapWith("settings", nsA, "color", "b-in-acme", nil),
	})
	betaHead := beta.Commit(t, "change", nil)
	beta.Git(t, "push", "-q", "origin", "change")
	gh.SetPullRequest("beta/shop", githubtest.PullRequest{Number: 1, User: "bob", HeadSHA: betaHead, HeadRef: "change", BaseRef: "main", BaseSHA: betaMain})
	before, bHits = len(gh.Calls()), hitsB.Load()
	send(2, "beta/shop", 1, betaHead)
	finalStatus("beta/shop", betaHead)
	body = ""
	for _, c := range gh.Comments("beta/shop", 1) {
		body += c.Body
	}
	if hitsB.Load() == bHits {
		t.Errorf("beta's live plan sent no request to ctx-b")
	}
	requireContainsAll(t, body, "prod (live: dry-run against cluster ctx-b)", "+  color: b-new",
		fmt.Sprintf("namespace %q is not allowed", nsA))
	if strings.Contains(body, "+  color: b-in-acme") || strings.Contains(body, "-  color: green") || strings.Contains(body, "-  color: blue") {
		t.Errorf("beta's comment shows acme's namespace:\n%s", body)
	}
	if got, want := fmt.Sprint(writes(gh.Calls()[before:])), fmt.Sprint(map[string]int{
		"POST /repos/beta/shop/check-runs":           1,
		"POST /repos/beta/shop/issues/1/comments":    1,
		"POST /repos/beta/shop/statuses/" + betaHead: 2,
	}); got != want {
		t.Errorf("GitHub writes of beta's plan:\n got %s\nwant %s", got, want)
	}
	for _, c := range gh.Calls() {
		if strings.Contains(c.Path, "/acme/") && strings.Contains(c.Body, bPrivate) {
			t.Errorf("%s %s carries beta's live value", c.Method, c.Path)
		}
	}
}
