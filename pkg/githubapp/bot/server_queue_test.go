package bot

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/webhook"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

const queueTestSecret = "queue-test-secret"

// twoInstallations is the spec-checked fake GitHub with an App installed twice:
// installation 1 holds acme/slow, installation 2 other/fleet.
func twoInstallations(t *testing.T) (*githubtest.Server, *githubapp.App) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	gh := githubtest.NewChecked(t)
	gh.App = &githubtest.App{ID: 5, Slug: "kubectl-gitops", Key: &key.PublicKey, TokenTTL: time.Hour,
		Installations: map[int64]bool{1: true, 2: true}, Repos: map[int64][]string{1: {"acme/slow"}, 2: {"other/fleet"}}}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	app, err := githubapp.NewApp(5, keyPEM, gh.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return gh, app
}

// serve runs a bot Server with cfg behind an HTTP server, and makes gh deliver its
// webhooks there.
func serve(t *testing.T, gh *githubtest.Server, cfg Config) *Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg.WebhookSecret = []byte(queueTestSecret)
	cfg.Log = slog.New(slog.DiscardHandler)
	srv, err := NewServer(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		sctx, scancel := context.WithTimeout(context.Background(), time.Minute)
		defer scancel()
		_ = srv.Shutdown(sctx)
		cancel()
	})
	gh.DeliverWebhooks(hs.URL+"/webhook", []byte(queueTestSecret))
	return srv
}

func prPayload(inst int64, repo string, number int) map[string]any {
	owner, name, _ := strings.Cut(repo, "/")
	return map[string]any{"action": "opened", "number": number,
		"pull_request": map[string]any{"number": number, "head": map[string]any{"sha": fmt.Sprintf("%040d", number)}},
		"repository":   map[string]any{"name": name, "full_name": repo, "owner": map[string]any{"login": owner}},
		"installation": map[string]any{"id": inst}}
}

// TestServerSharesTheQueueBetweenInstallations: through /webhook, a burst of pull
// requests from one installation delays another installation's plan by the one job
// running at most, and the burst beyond the installation's share is answered 503
// while the other installation still gets in.
func TestServerSharesTheQueueBetweenInstallations(t *testing.T) {
	gh, app := twoInstallations(t)
	real := NewRoutes(&Planner{App: app}, nil, nil)["pull_request"]
	var mu sync.Mutex
	var started []string
	holding, gate := make(chan struct{}), make(chan struct{})
	handler := func(ev webhook.Event) (Job, bool) {
		j, ok := real(ev) // the planner's own job: its key and installation
		if !ok {
			return j, ok
		}
		key := j.Key
		j.Run = func(context.Context) error {
			mu.Lock()
			started = append(started, fmt.Sprintf("%s@%d", key, ev.Installation))
			mu.Unlock()
			if key == "acme/slow#1" {
				close(holding)
				<-gate
			}
			return nil
		}
		return j, ok
	}
	srv := serve(t, gh, Config{App: app, Workers: 1, QueueSize: 10, QueuePerInstallation: 3,
		Routes: Routes{"pull_request": handler}})

	send := func(inst int64, repo string, n int) int {
		t.Helper()
		code, err := gh.Send("pull_request", prPayload(inst, repo, n))
		if err != nil {
			t.Fatal(err)
		}
		return code
	}
	if code := send(1, "acme/slow", 1); code != http.StatusAccepted {
		t.Fatalf("first pull request: %d", code)
	}
	<-holding
	var codes []int
	for n := 2; n <= 6; n++ {
		codes = append(codes, send(1, "acme/slow", n))
	}
	codes = append(codes, send(2, "other/fleet", 1))
	if want := []int{202, 202, 202, 503, 503, 202}; fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Fatalf("answers %v, want %v: installation 1 beyond its share of 3 refused, installation 2 let in", codes, want)
	}
	close(gate)
	sctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	must(t, srv.Shutdown(sctx))
	want := []string{"acme/slow#1@1", "other/fleet#1@2", "acme/slow#2@1", "acme/slow#3@1", "acme/slow#4@1"}
	if fmt.Sprint(started) != fmt.Sprint(want) {
		t.Fatalf("started %v\n   want %v", started, want)
	}
}

// gitRemote is a bare repository with main (.gitops.yaml: one offline target) and a
// branch feature changing its ConfigMap.
type gitRemote struct {
	bare, main, feature string
}

func newGitRemote(t *testing.T, root, name string) gitRemote {
	t.Helper()
	return newGitRemoteWith(t, root, name, map[string]string{
		"deploy/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  color: green\n"})
}

// newGitRemoteWith is newGitRemote whose feature branch writes files.
func newGitRemoteWith(t *testing.T, root, name string, feature map[string]string) gitRemote {
	t.Helper()
	work := gitrepotest.NewRepo(t, map[string]string{
		".gitops.yaml":   "targets:\n  - name: preview\n    path: deploy\n    defaultNamespace: shop\n",
		"deploy/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  color: blue\n",
	})
	r := gitRemote{main: work.Head(t)}
	work.Git(t, "checkout", "-q", "-b", "feature")
	r.feature = work.Commit(t, "feature", feature)
	r.bare = work.Bare(t, filepath.Join(root, name+".git"))
	return r
}

// waitFor polls cond until it holds; the limit only keeps a broken test from hanging.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Minute); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// finalStatus is the last gitops/plan status of sha once it is no longer pending.
func finalStatus(gh *githubtest.Server, repo, sha string) (githubtest.Status, bool) {
	st := gh.Statuses(repo, sha)
	if len(st) == 0 || st[len(st)-1].State == "pending" {
		return githubtest.Status{}, false
	}
	return st[len(st)-1], true
}

// TestPlanRunsOutOfTime: a plan whose repository never answers is stopped at
// --job-timeout and its pull request says so (status and comment, naming the limit
// and the flag), while another installation's plan completes meanwhile.
func TestPlanRunsOutOfTime(t *testing.T) {
	const limit = 8 * time.Second
	gh, app := twoInstallations(t)
	root := t.TempDir()
	slow, fleet := newGitRemote(t, root, "slow"), newGitRemote(t, root, "fleet")
	git, err := gitrepotest.NewHTTPServer(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(git.Close)
	// The slow repository's git server accepts the request and answers nothing
	// until the client gives up.
	hang := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(hang.Close)
	gh.AddRepo(&githubtest.Repo{FullName: "acme/slow", GitDir: slow.bare, CloneURL: hang.URL + "/slow.git"})
	gh.AddRepo(&githubtest.Repo{FullName: "other/fleet", GitDir: fleet.bare, CloneURL: git.URL + "/fleet.git"})
	gh.SetPullRequest("acme/slow", githubtest.PullRequest{Number: 1, User: "alice", HeadSHA: slow.feature, HeadRef: "feature", BaseRef: "main", BaseSHA: slow.main})
	gh.SetPullRequest("other/fleet", githubtest.PullRequest{Number: 1, User: "bob", HeadSHA: fleet.feature, HeadRef: "feature", BaseRef: "main", BaseSHA: fleet.main})

	planner := &Planner{App: app, Log: slog.New(slog.DiscardHandler)}
	serve(t, gh, Config{App: app, Workers: 2, QueueSize: 10, JobTimeout: limit, Routes: NewRoutes(planner, nil, slog.New(slog.DiscardHandler))})
	for _, repo := range []string{"acme/slow", "other/fleet"} {
		if code, err := gh.SendPullRequestEvent(repo, 1, "opened"); err != nil || code != http.StatusAccepted {
			t.Fatalf("opened %s: %d %v", repo, code, err)
		}
	}
	fast, cut, order := bothPlans(t, gh, fleet.feature, slow.feature)
	if want := []string{"other/fleet planned", "acme/slow cut"}; fmt.Sprint(order) != fmt.Sprint(want) {
		t.Errorf("order %v, want %v: the other installation's plan completes while the slow one runs", order, want)
	}
	if fast.State != "success" {
		t.Errorf("other/fleet status %+v, want success", fast)
	}
	if cut.State != "error" || !strings.Contains(cut.Description, "--job-timeout") || !strings.Contains(cut.Description, limit.String()) {
		t.Errorf("acme/slow status %+v: want error naming the limit %s and --job-timeout", cut, limit)
	}
	var comment string
	for _, c := range gh.Comments("acme/slow", 1) {
		comment = c.Body
	}
	if !strings.Contains(comment, "took longer than its limit of "+limit.String()) || !strings.Contains(comment, "--job-timeout") ||
		!strings.Contains(comment, slow.feature[:7]) {
		t.Errorf("acme/slow comment:\n%s\nwant it to say the plan of %s ran out of its %s (--job-timeout)", comment, slow.feature[:7], limit)
	}
}

// TestPlanOfRenderBombStops: a pull request of 38 small kustomization files that double
// their objects at each of 12 layers (half a minute or more of Kustomize) ends at
// --job-timeout with its pull request told so, and another installation's plan in the
// same bot completes meanwhile: the build neither ignores its deadline nor holds up
// the other build.
func TestPlanOfRenderBombStops(t *testing.T) {
	const limit = 5 * time.Second
	gh, app := twoInstallations(t)
	root := t.TempDir()
	bomb := map[string]string{
		"deploy/kustomization.yaml": "resources: [../l12]\n",
		"l0/kustomization.yaml":     "resources: [cm.yaml]\n",
		"l0/cm.yaml":                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
	}
	for i := 1; i <= 12; i++ {
		for _, side := range []string{"a", "b"} {
			bomb[fmt.Sprintf("l%d/%s/kustomization.yaml", i, side)] = fmt.Sprintf("namePrefix: %s-\nresources: [../../l%d]\n", side, i-1)
		}
		bomb[fmt.Sprintf("l%d/kustomization.yaml", i)] = "resources: [a, b]\n"
	}
	slow, fleet := newGitRemoteWith(t, root, "slow", bomb), newGitRemote(t, root, "fleet")
	git, err := gitrepotest.NewHTTPServer(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(git.Close)
	gh.AddRepo(&githubtest.Repo{FullName: "acme/slow", GitDir: slow.bare, CloneURL: git.URL + "/slow.git"})
	gh.AddRepo(&githubtest.Repo{FullName: "other/fleet", GitDir: fleet.bare, CloneURL: git.URL + "/fleet.git"})
	gh.SetPullRequest("acme/slow", githubtest.PullRequest{Number: 1, User: "mallory", HeadSHA: slow.feature, HeadRef: "feature", BaseRef: "main", BaseSHA: slow.main})
	gh.SetPullRequest("other/fleet", githubtest.PullRequest{Number: 1, User: "bob", HeadSHA: fleet.feature, HeadRef: "feature", BaseRef: "main", BaseSHA: fleet.main})

	planner := &Planner{App: app, Log: slog.New(slog.DiscardHandler)}
	serve(t, gh, Config{App: app, Workers: 2, QueueSize: 10, JobTimeout: limit, Routes: NewRoutes(planner, nil, slog.New(slog.DiscardHandler))})
	if code, err := gh.SendPullRequestEvent("acme/slow", 1, "opened"); err != nil || code != http.StatusAccepted {
		t.Fatalf("opened acme/slow: %d %v", code, err)
	}
	// The other repository's pull request comes once the bomb's render has started.
	waitFor(t, "the slow plan to start", func() bool {
		st := gh.Statuses("acme/slow", slow.feature)
		return len(st) > 0
	})
	if code, err := gh.SendPullRequestEvent("other/fleet", 1, "opened"); err != nil || code != http.StatusAccepted {
		t.Fatalf("opened other/fleet: %d %v", code, err)
	}
	fast, cut, order := bothPlans(t, gh, fleet.feature, slow.feature)
	if want := []string{"other/fleet planned", "acme/slow cut"}; fmt.Sprint(order) != fmt.Sprint(want) {
		t.Errorf("order %v, want %v: the other installation's plan completes while the bomb renders", order, want)
	}
	if fast.State != "success" {
		t.Errorf("other/fleet status %+v, want success", fast)
	}
	if cut.State != "error" || !strings.Contains(cut.Description, "--job-timeout") {
		t.Errorf("acme/slow status %+v: want error naming --job-timeout", cut)
	}
}

// bothPlans waits for the final statuses of other/fleet's and acme/slow's pull requests,
// and says in which order they came.
func bothPlans(t *testing.T, gh *githubtest.Server, fleetHead, slowHead string) (fast, cut githubtest.Status, order []string) {
	t.Helper()
	waitFor(t, "both plans to end", func() bool {
		if _, ok := finalStatus(gh, "other/fleet", fleetHead); ok && fast.State == "" {
			fast, _ = finalStatus(gh, "other/fleet", fleetHead)
			order = append(order, "other/fleet planned")
		}
		if _, ok := finalStatus(gh, "acme/slow", slowHead); ok && cut.State == "" {
			cut, _ = finalStatus(gh, "acme/slow", slowHead)
			order = append(order, "acme/slow cut")
		}
		return fast.State != "" && cut.State != ""
	})
	return fast, cut, order
}

// TestServerFullQueueAnswers503: with the queue full, a delivery is answered 503
// before anything of it is kept, and counted (gitops_bot_webhook_deliveries_total
// {outcome="busy"}); every delivery answered 202 runs; the refused one, delivered
// again once there is room, is taken (its delivery id is not remembered as seen).
func TestServerFullQueueAnswers503(t *testing.T) {
	var mu sync.Mutex
	var ran []string
	holding, gate := make(chan struct{}), make(chan struct{})
	route := func(ev webhook.Event) (Job, bool) {
		e := ev.Payload.(*webhook.PullRequestEvent)
		key := fmt.Sprintf("%s#%d", e.Repository.FullName, e.Number)
		return Job{Key: key, Kind: "pull_request", Installation: ev.Installation, Run: func(context.Context) error {
			if key == "acme/fleet#1" {
				close(holding)
				<-gate
			}
			mu.Lock()
			ran = append(ran, key)
			mu.Unlock()
			return nil
		}}, true
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := NewServer(ctx, Config{WebhookSecret: []byte(queueTestSecret), Workers: 1, QueueSize: 2,
		Log: slog.New(slog.DiscardHandler), Routes: Routes{"pull_request": route}})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	deliver := func(id string, number int) int {
		t.Helper()
		body, err := json.Marshal(prPayload(7, "acme/fleet", number))
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", "pull_request")
		req.Header.Set("X-GitHub-Delivery", id)
		m := hmac.New(sha256.New, []byte(queueTestSecret))
		m.Write(body)
		req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(m.Sum(nil)))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	busy := func() string {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		for _, l := range strings.Split(w.Body.String(), "\n") {
			if strings.HasPrefix(l, `gitops_bot_webhook_deliveries_total{event="pull_request",outcome="busy"}`) {
				return strings.Fields(l)[1]
			}
		}
		return "0"
	}
	if code := deliver("d1", 1); code != http.StatusAccepted {
		t.Fatalf("first delivery: %d", code)
	}
	<-holding // running: the queue is empty again
	codes := []int{deliver("d2", 2), deliver("d3", 3), deliver("d4", 4)}
	if fmt.Sprint(codes) != "[202 202 503]" {
		t.Fatalf("answers %v, want [202 202 503]: a queue of 2 full", codes)
	}
	if n := busy(); n != "1" {
		t.Fatalf("busy deliveries counted %s, want 1", n)
	}
	close(gate)
	waitFor(t, "the queue to drain", func() bool { return srv.QueueState().Waiting == 0 })
	if code := deliver("d4", 4); code != http.StatusAccepted {
		t.Fatalf("the refused delivery, delivered again: %d, want 202", code)
	}
	sctx, scancel := context.WithTimeout(context.Background(), time.Minute)
	defer scancel()
	must(t, srv.Shutdown(sctx))
	want := []string{"acme/fleet#1", "acme/fleet#2", "acme/fleet#3", "acme/fleet#4"}
	if fmt.Sprint(ran) != fmt.Sprint(want) {
		t.Fatalf("ran %v, want %v: no accepted delivery lost", ran, want)
	}
}
