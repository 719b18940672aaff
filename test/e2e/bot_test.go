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
	"log/slog"
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

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/netguard"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/notify"
)

const botSecret = "bot-e2e-webhook-secret"

// botEnv is the bot as a real HTTP server, GitHub as a spec-checked fake that records
// every call, a real git remote, and the real control plane behind a proxy that
// counts the requests the bot sends it.
type botEnv struct {
	t           *testing.T
	gh          *githubtest.Server
	bot         *httptest.Server
	srv         *bot.Server
	clusterHits atomic.Int64
	kubeconfig  string
	planner     *bot.Planner
	delivery    int
}

func newBotEnv(t *testing.T) *botEnv {
	t.Helper()
	e := &botEnv{t: t}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	e.gh = githubtest.NewChecked(t)
	e.gh.App = &githubtest.App{ID: 5, Slug: "kubectl-gitops", Key: &key.PublicKey, TokenTTL: time.Hour,
		Installations: map[int64]bool{1: true}, Repos: map[int64][]string{1: {"acme/fleet"}}}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	app, err := githubapp.NewApp(5, keyPEM, e.gh.URL, nil)
	if err != nil {
		t.Fatal(err)
	}

	// The bot reaches the cluster through a counting proxy, as context "test".
	target, _ := url.Parse(cluster.Config.Host)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // loopback test cluster
	ps := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.clusterHits.Add(1)
		r.Header.Set("Authorization", "Bearer "+cluster.Config.BearerToken) // client-go sends no token over plain http
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(ps.Close)
	e.kubeconfig = filepath.Join(t.TempDir(), "kubeconfig")
	kc := fmt.Sprintf("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: %s\nusers:\n- name: u\n  user: {}\ncontexts:\n- name: test\n  context: {cluster: c, user: u, namespace: default}\ncurrent-context: test\n",
		ps.URL)
	if err := os.WriteFile(e.kubeconfig, []byte(kc), 0o600); err != nil {
		t.Fatal(err)
	}
	// The operator grants context test to acme/fleet, every namespace.
	access, err := bot.ParseClusterAccess("cluster-access.yaml", []byte("clusters:\n  test:\n    repositories: [acme/fleet]\n    namespaces: [\"*\"]\n"), []string{"test"})
	if err != nil {
		t.Fatal(err)
	}
	e.planner = &bot.Planner{App: app, Kubeconfig: e.kubeconfig, Access: access, CacheDir: t.TempDir(), Log: slog.New(slog.DiscardHandler)}
	e.start()
	return e
}

// start runs a bot process (server and queue); a second call is a restart.
func (e *botEnv) start() {
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := bot.NewServer(ctx, bot.Config{App: e.planner.App, WebhookSecret: []byte(botSecret), Workers: 2, QueueSize: 50,
		Log: slog.New(slog.DiscardHandler), Routes: bot.NewRoutes(e.planner, nil, slog.New(slog.DiscardHandler))})
	if err != nil {
		e.t.Fatal(err)
	}
	e.srv = srv
	e.bot = httptest.NewServer(srv.Handler())
	e.t.Cleanup(func() { e.stop(); cancel() })
}

func (e *botEnv) stop() {
	if e.bot == nil {
		return
	}
	e.bot.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		e.t.Errorf("bot shutdown: %v", err)
	}
	e.bot = nil
}

// send posts a signed delivery and returns the status code.
func (e *botEnv) send(event, delivery, body string) int {
	e.t.Helper()
	if delivery == "" {
		e.delivery++
		delivery = fmt.Sprintf("d-%d", e.delivery)
	}
	req, _ := http.NewRequest(http.MethodPost, e.bot.URL+"/webhook", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", delivery)
	m := hmac.New(sha256.New, []byte(botSecret))
	m.Write([]byte(body))
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(m.Sum(nil)))
	resp, err := netguard.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func prEvent(action string, number int, head string) string {
	return fmt.Sprintf(`{"action":%q,"number":%d,"pull_request":{"number":%d,"head":{"sha":%q}},`+
		`"repository":{"name":"fleet","full_name":"acme/fleet","owner":{"login":"acme"}},"installation":{"id":1}}`, action, number, number, head)
}

// waitStatus waits for the final gitops/plan status of sha.
func (e *botEnv) waitStatus(sha string) githubtest.Status {
	e.t.Helper()
	var last githubtest.Status
	eventually(e.t, 2*time.Minute, "gitops/plan status of "+sha, func() (bool, error) {
		st := e.gh.Statuses("acme/fleet", sha)
		if len(st) == 0 {
			return false, nil
		}
		last = st[len(st)-1]
		return last.State != "pending", nil
	})
	return last
}

// botComments are the bot's comments on pull request n.
func (e *botEnv) botComments(n int) []githubtest.Comment {
	var out []githubtest.Comment
	for _, c := range e.gh.Comments("acme/fleet", n) {
		if c.Author == "kubectl-gitops[bot]" {
			out = append(out, c)
		}
	}
	return out
}

// noSecretsSent fails when any call to GitHub carried one of values, an installation
// token or a private key in its body or query.
func (e *botEnv) noSecretsSent(values ...string) {
	e.t.Helper()
	values = append(values, "ghs_", "PRIVATE KEY")
	for _, c := range e.gh.Calls() {
		if q := c.Query.Encode(); strings.Contains(q, "ghs_") {
			e.t.Fatalf("%s %s sent a token in its query", c.Method, c.Path)
		}
		for _, v := range values {
			if strings.Contains(c.Body, v) {
				e.t.Fatalf("%s %s sent a Secret value %q", c.Method, c.Path, v)
			}
		}
	}
}

// requireWrites fails unless calls hold exactly want writes (method and path; GETs
// are not counted) and every one was answered with success.
func requireWrites(t *testing.T, calls []githubtest.Call, want map[string]int) {
	t.Helper()
	got := map[string]int{}
	for _, c := range calls {
		if c.Method == http.MethodGet {
			continue
		}
		got[c.Method+" "+c.Path]++
		if c.Status >= 300 {
			t.Errorf("%s %s answered %d", c.Method, c.Path, c.Status)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("writes to GitHub:\n got %v\nwant %v", got, want)
	}
}

func botSecretYAML(ns, value string) string {
	return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: " + ns + "\nstringData:\n  password: " + value + "\n"
}

func TestBotPlansPullRequests(t *testing.T) {
	ns := unique("bot")
	ensureNamespace(t, ns)
	r, cloneURL, bare := remoteRepo(t, map[string]string{
		".gitops.yaml": fmt.Sprintf(`targets:
  - name: dev
    path: deploy/dev
    cluster: test
    applyset: %s
    defaultNamespace: %s
  - name: preview
    path: deploy/dev
    defaultNamespace: %s
notify:
  - name: team
    on: always
`, ns, ns, ns),
		"deploy/base/cm.yaml":            configMapWith("settings", ns, "color", "blue", nil),
		"deploy/base/old.yaml":           configMapWith("old", ns, "k", "v", nil),
		"deploy/base/secret.yaml":        botSecretYAML(ns, "base-password-s3cr3t"),
		"deploy/base/kustomization.yaml": "resources: [cm.yaml, old.yaml, secret.yaml]\n",
		"deploy/dev/kustomization.yaml":  "resources: [../base]\n",
	})
	mainSHA := r.Head(t)
	// What main says is running.
	mustGitops(t, 0, "apply", r.Dir, "--path", "deploy/dev", "--applyset", ns, "--progress", "none")

	e := newBotEnv(t)
	var notified atomic.Int64
	var notifiedBodies strings.Builder
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		notified.Add(1)
		notifiedBodies.Write(b)
	}))
	defer hook.Close()
	sink, err := notify.ParseSink(hook.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.planner.Notify = map[string]notify.Sink{"team": sink}
	e.gh.AddRepo(&githubtest.Repo{FullName: "acme/fleet", GitDir: bare, CloneURL: cloneURL,
		Permissions: map[string]string{"alice": "write", "mallory": "read"}})

	// A pull request changes a value, rotates the password and removes a ConfigMap.
	r.Git(t, "checkout", "-q", "-b", "feature")
	r.Write(t, map[string]string{
		"deploy/base/cm.yaml":            configMapWith("settings", ns, "color", "green", nil),
		"deploy/base/old.yaml":           "",
		"deploy/base/secret.yaml":        botSecretYAML(ns, "head-password-t0ps3cr3t"),
		"deploy/base/kustomization.yaml": "resources: [cm.yaml, secret.yaml]\n",
	})
	head1 := r.Commit(t, "green", nil)
	r.Git(t, "push", "-q", "origin", "feature")
	e.gh.SetPullRequest("acme/fleet", githubtest.PullRequest{Number: 7, User: "alice", HeadSHA: head1, HeadRef: "feature", BaseRef: "main", BaseSHA: mainSHA})

	// Opened: one comment, a status.
	before := len(e.gh.Calls())
	if code := e.send("pull_request", "open-7", prEvent("opened", 7, head1)); code != http.StatusAccepted {
		t.Fatalf("opened: %d", code)
	}
	st := e.waitStatus(head1)
	if st.State != "success" || !strings.Contains(st.Description, "dev: 2 to update, 1 to delete") {
		t.Fatalf("status %+v\n%v", st, e.botComments(7))
	}
	comments := e.botComments(7)
	if len(comments) != 1 {
		t.Fatalf("%d comments, want 1", len(comments))
	}
	body := comments[0].Body
	requireContainsAll(t, body, "kubectl gitops plan for `"+head1[:7]+"`", "dev (live: dry-run against cluster test)",
		"preview (offline", "`ConfigMap "+ns+"/settings`", "`ConfigMap "+ns+"/old`", "+  color: green",
		"https://github.com/acme/fleet/blob/"+head1+"/deploy/base/cm.yaml#L1", "masked")
	e.noSecretsSent("base-password-s3cr3t", "head-password-t0ps3cr3t", "czNjcjN0") // raw and base64 fragments
	if notified.Load() != 2 || !strings.Contains(notifiedBodies.String(), `"kind":"plan"`) || strings.Contains(notifiedBodies.String(), "s3cr3t") {
		t.Fatalf("notifications: %d, %s", notified.Load(), notifiedBodies.String())
	}
	if e.clusterHits.Load() == 0 {
		t.Fatal("the live plan sent no request to the cluster")
	}
	// Exactly these writes went to GitHub: one installation token (cached for every
	// later call), one comment, a check run per target, the status pending then success.
	requireWrites(t, e.gh.Calls()[before:], map[string]int{
		"POST /app/installations/1/access_tokens":  1,
		"POST /repos/acme/fleet/issues/7/comments": 1,
		"POST /repos/acme/fleet/check-runs":        2,
		"POST /repos/acme/fleet/statuses/" + head1: 2,
	})

	// A second replica gets the same delivery (its memory of deliveries is its own): it
	// plans again, and the comment stays as it was, untouched.
	replica := bot.Config{App: e.planner.App, WebhookSecret: []byte(botSecret), Workers: 1, QueueSize: 5,
		Log: slog.New(slog.DiscardHandler), Routes: bot.NewRoutes(e.planner, nil, slog.New(slog.DiscardHandler))}
	rctx, rcancel := context.WithCancel(context.Background())
	second, err := bot.NewServer(rctx, replica)
	if err != nil {
		t.Fatal(err)
	}
	secondHTTP := httptest.NewServer(second.Handler())
	before = len(e.gh.Calls())
	statuses := len(e.gh.Statuses("acme/fleet", head1))
	primary := e.bot
	e.bot = secondHTTP
	if code := e.send("pull_request", "open-7", prEvent("opened", 7, head1)); code != http.StatusAccepted {
		t.Fatalf("second replica: %d", code)
	}
	e.bot = primary
	eventually(t, 2*time.Minute, "the second replica's plan", func() (bool, error) {
		st := e.gh.Statuses("acme/fleet", head1)
		return len(st) == statuses+2 && st[len(st)-1].State == "success", nil
	})
	secondHTTP.Close()
	if err := second.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	rcancel()
	requireWrites(t, e.gh.Calls()[before:], map[string]int{"POST /repos/acme/fleet/statuses/" + head1: 2})
	if c := e.botComments(7); len(c) != 1 || c[0].Body != body {
		t.Fatalf("the second replica changed the comment")
	}

	// A replayed delivery does nothing.
	calls := len(e.gh.Calls())
	if code := e.send("pull_request", "open-7", prEvent("opened", 7, head1)); code != http.StatusOK {
		t.Fatalf("replay: %d", code)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(e.gh.Calls()); n != calls {
		t.Fatalf("a replayed delivery made %d calls to GitHub", n-calls)
	}

	// Another push: the same comment is edited for the new head.
	r.Write(t, map[string]string{"deploy/base/cm.yaml": configMapWith("settings", ns, "color", "red", nil)})
	head2 := r.Commit(t, "red", nil)
	r.Git(t, "push", "-q", "origin", "feature")
	e.gh.SetPullRequest("acme/fleet", githubtest.PullRequest{Number: 7, User: "alice", HeadSHA: head2, HeadRef: "feature", BaseRef: "main", BaseSHA: mainSHA})
	e.send("pull_request", "", prEvent("synchronize", 7, head2))
	e.waitStatus(head2)
	comments = e.botComments(7)
	if len(comments) != 1 || comments[0].ID != comments[0].ID || !strings.Contains(comments[0].Body, "head="+head2) || !strings.Contains(comments[0].Body, "+  color: red") {
		t.Fatalf("after a push: %d comments, want the one edited for %s", len(comments), head2)
	}

	// /gitops plan: a reader gets a thumbs-down and no plan; a writer gets a plan.
	statuses = len(e.gh.Statuses("acme/fleet", head2))
	cid := e.gh.AddComment("acme/fleet", 7, "mallory", "/gitops plan")
	commentEvent := func(user string, id int64) string {
		return fmt.Sprintf(`{"action":"created","issue":{"number":7,"pull_request":{"url":"x"}},"comment":{"id":%d,"body":"/gitops plan","user":{"login":%q,"type":"User"}},`+
			`"repository":{"name":"fleet","full_name":"acme/fleet","owner":{"login":"acme"}},"installation":{"id":1}}`, id, user)
	}
	e.send("issue_comment", "", commentEvent("mallory", cid))
	eventually(t, 30*time.Second, "a reaction to mallory's comment", func() (bool, error) {
		return e.gh.CountCalls(http.MethodPost, fmt.Sprintf("/comments/%d/reactions", cid)) == 1, nil
	})
	time.Sleep(300 * time.Millisecond)
	if n := len(e.gh.Statuses("acme/fleet", head2)); n != statuses {
		t.Fatalf("a reader's /gitops plan planned (%d new statuses)", n-statuses)
	}
	cid = e.gh.AddComment("acme/fleet", 7, "alice", "please\n/gitops plan\n")
	e.send("issue_comment", "", commentEvent("alice", cid))
	eventually(t, time.Minute, "a plan for alice's comment", func() (bool, error) {
		st := e.gh.Statuses("acme/fleet", head2)
		return len(st) >= statuses+2 && st[len(st)-1].State != "pending", nil
	})

	// A pull request from a fork: offline only, not one request to the cluster.
	forkRoot := t.TempDir()
	forkBare := filepath.Join(forkRoot, "fleet.git")
	gitrepotest.Git(t, forkRoot, "clone", "-q", "--bare", bare, forkBare)
	forkSrv := gitServer(t, forkRoot)
	fork := &githubtest.Repo{FullName: "mallory/fleet", GitDir: forkBare, CloneURL: forkSrv.URL + "/fleet.git"}
	e.gh.AddRepo(fork)
	r.Git(t, "checkout", "-q", "-b", "from-fork", "main")
	r.Write(t, map[string]string{"deploy/base/cm.yaml": configMapWith("settings", ns, "color", "purple", nil)})
	forkHead := r.Commit(t, "purple", nil)
	r.Git(t, "push", "-q", forkBare, "from-fork")
	e.gh.SetPullRequest("acme/fleet", githubtest.PullRequest{Number: 8, User: "mallory", HeadSHA: forkHead, HeadRef: "from-fork", BaseRef: "main", BaseSHA: mainSHA, HeadRepo: fork})
	hits := e.clusterHits.Load()
	e.send("pull_request", "", prEvent("opened", 8, forkHead))
	e.waitStatus(forkHead)
	if n := e.clusterHits.Load() - hits; n != 0 {
		t.Fatalf("a fork's pull request sent %d requests to the cluster", n)
	}
	forkComments := e.botComments(8)
	if len(forkComments) != 1 || !strings.Contains(forkComments[0].Body, "dev (offline") || !strings.Contains(forkComments[0].Body, "+  color: purple") {
		t.Fatalf("fork comment: %+v", forkComments)
	}
	e.noSecretsSent("base-password-s3cr3t", "head-password-t0ps3cr3t")

	// The bot restarts while pull request 7 moves on: the new process re-plans it.
	e.stop()
	r.Git(t, "checkout", "-q", "feature")
	r.Write(t, map[string]string{"deploy/base/cm.yaml": configMapWith("settings", ns, "color", "teal", nil)})
	head3 := r.Commit(t, "teal", nil)
	r.Git(t, "push", "-q", "origin", "feature")
	e.gh.SetPullRequest("acme/fleet", githubtest.PullRequest{Number: 7, User: "alice", HeadSHA: head3, HeadRef: "feature", BaseRef: "main", BaseSHA: mainSHA})
	e.start()
	queued, err := e.planner.ReplanStale(context.Background(), e.srv.Push)
	if err != nil || queued != 1 {
		t.Fatalf("re-plan at start: %d queued, %v; want pull request 7 only", queued, err)
	}
	e.waitStatus(head3)
	if c := e.botComments(7); len(c) != 1 || !strings.Contains(c[0].Body, "head="+head3) {
		t.Fatalf("after a restart: %d comments, want the one for %s", len(c), head3)
	}

	// A plan longer than a comment: continuation comments, each valid, nothing lost.
	many := map[string]string{}
	var names []string
	for i := 0; i < 250; i++ {
		n := fmt.Sprintf("many-%03d", i)
		names = append(names, n+".yaml")
		many["deploy/base/"+n+".yaml"] = configMapWith(n, ns, "payload", strings.Repeat("x", 200), nil)
	}
	many["deploy/base/kustomization.yaml"] = "resources: [cm.yaml, secret.yaml, " + strings.Join(names, ", ") + "]\n"
	r.Write(t, many)
	head4 := r.Commit(t, "many", nil)
	r.Git(t, "push", "-q", "origin", "feature")
	e.gh.SetPullRequest("acme/fleet", githubtest.PullRequest{Number: 7, User: "alice", HeadSHA: head4, HeadRef: "feature", BaseRef: "main", BaseSHA: mainSHA})
	e.send("pull_request", "", prEvent("synchronize", 7, head4))
	e.waitStatus(head4)
	parts := e.botComments(7)
	if len(parts) < 2 || !strings.Contains(parts[0].Body, "continues in the next") {
		t.Fatalf("a long plan: %d comments, want continuations announced on the first", len(parts))
	}
	all := ""
	for _, c := range parts {
		if len([]rune(c.Body)) > githubtest.CommentLimit || strings.Count(c.Body, "<details>") != strings.Count(c.Body, "</details>") {
			t.Fatalf("comment %d is over the limit or leaves a <details> open", c.ID)
		}
		all += c.Body
	}
	for _, n := range names {
		if !strings.Contains(all, "ConfigMap "+ns+"/"+strings.TrimSuffix(n, ".yaml")) {
			t.Fatalf("%s is missing from the plan comments", n)
		}
	}
	// The plan shrinks again: the continuation comments go.
	r.Git(t, "reset", "-q", "--hard", head3)
	r.Git(t, "push", "-q", "-f", "origin", "feature")
	e.gh.SetPullRequest("acme/fleet", githubtest.PullRequest{Number: 7, User: "alice", HeadSHA: head3, HeadRef: "feature", BaseRef: "main", BaseSHA: mainSHA})
	e.send("pull_request", "", prEvent("synchronize", 7, head3))
	eventually(t, 2*time.Minute, "one comment again", func() (bool, error) {
		c := e.botComments(7)
		return len(c) == 1 && strings.Contains(c[0].Body, "head="+head3), nil
	})

	// An invalid .gitops.yaml on the default branch: a failed status and a comment
	// naming the file and line; the other repositories are not affected.
	r.Git(t, "checkout", "-q", "main")
	r.Write(t, map[string]string{".gitops.yaml": "targets:\n  - name: dev\n    clusterr: test\n"})
	r.Commit(t, "typo", nil)
	r.Git(t, "push", "-q", "origin", "main")
	e.send("pull_request", "", prEvent("synchronize", 7, head3))
	eventually(t, 2*time.Minute, "a failed status for the bad config", func() (bool, error) {
		st := e.gh.Statuses("acme/fleet", head3)
		return st[len(st)-1].State == "failure", nil
	})
	if c := e.botComments(7); len(c) != 1 || !strings.Contains(c[0].Body, ".gitops.yaml:3") {
		t.Fatalf("bad config comment: %+v", c)
	}
}
