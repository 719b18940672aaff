package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/internal/botproc"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitcache"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/netguard"
)

// The git cache's hard cases, with the bot binary (cmd/bot) given --git-cache-dir and
// real git remotes (git http-backend on loopback): plans are offline (no cluster), so
// only git and GitHub are in play.

// cacheFixture is the fake GitHub with repositories acme/<name> installed, each on a
// git remote of its own, and the bot binary's configuration with a git cache.
type cacheFixture struct {
	gh       *githubtest.Server
	bin, dir string
	addr     string
	cacheDir string
	env      []string
	repos    map[string]*cacheRepo
}

// cacheRepo is one repository: its work tree (origin is the bare repository), served
// through a remote that can stall a fetch.
type cacheRepo struct {
	name     string // acme/<name>
	work     *gitrepotest.Repo
	bare     string
	cloneURL string
	main     string
	remote   *stallRemote
}

// newCacheFixture makes repositories acme/<name> for names, each with bulk bytes of
// incompressible data beside its manifests, and the bot's files; env adds to the
// bot's environment.
func newCacheFixture(t *testing.T, names []string, bulk int, env ...string) *cacheFixture {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	const webhookSecret = "gitcache-webhook-secret"
	f := &cacheFixture{gh: githubtest.NewChecked(t), dir: t.TempDir(), addr: freeLoopbackAddr(t), repos: map[string]*cacheRepo{}}
	f.cacheDir = filepath.Join(f.dir, "git-cache")
	var full []string
	for _, n := range names {
		files := map[string]string{
			".gitops.yaml":   "targets:\n  - name: dev\n    path: deploy\n    defaultNamespace: shop\n",
			"deploy/cm.yaml": configMapWith("settings", "shop", "color", "blue", nil),
		}
		if bulk > 0 {
			files["data/bulk.txt"] = noise(t, bulk)
		}
		root := t.TempDir()
		r := &cacheRepo{name: "acme/" + n, work: gitrepotest.NewRepo(t, files)}
		r.bare = r.work.Bare(t, filepath.Join(root, n+".git"))
		r.main = r.work.Head(t)
		r.remote = newStallRemote(t, root)
		r.cloneURL = r.remote.srv.URL + "/" + n + ".git"
		f.repos[n] = r
		full = append(full, r.name)
		f.gh.AddRepo(&githubtest.Repo{FullName: r.name, GitDir: r.bare, CloneURL: r.cloneURL})
	}
	f.gh.App = &githubtest.App{ID: 5, Slug: "kubectl-gitops", Key: &key.PublicKey, TokenTTL: time.Hour,
		Installations: map[int64]bool{1: true}, Repos: map[int64][]string{1: full}}
	f.gh.DeliverWebhooks("http://"+f.addr+"/webhook", []byte(webhookSecret))
	for name, content := range map[string]string{
		"key.pem":        string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		"webhook-secret": webhookSecret,
	} {
		if err := os.WriteFile(filepath.Join(f.dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(f.dir, "tmp"), 0o700); err != nil {
		t.Fatal(err)
	}
	f.bin = botproc.Build(t, f.dir)
	f.env = append([]string{
		"GITOPS_BOT_LISTEN=" + f.addr,
		"GITOPS_BOT_GITHUB_API_URL=" + f.gh.URL + "/",
		"GITOPS_BOT_APP_ID=5",
		"GITOPS_BOT_APP_PRIVATE_KEY_FILE=" + filepath.Join(f.dir, "key.pem"),
		"GITOPS_BOT_WEBHOOK_SECRET_FILE=" + filepath.Join(f.dir, "webhook-secret"),
		"GITOPS_BOT_GIT_CACHE_DIR=" + f.cacheDir,
		"GITOPS_BOT_AUTOMATION_INTERVAL=0",
		"GITOPS_BOT_DRIFT_INTERVAL=0",
		"GITOPS_BOT_LEADER_ELECT=false",
		"GITOPS_BOT_LOG_FORMAT=json",
		"HOME=" + f.dir,
		"TMPDIR=" + filepath.Join(f.dir, "tmp"), // the cache's checkouts
	}, env...)
	return f
}

// start runs the bot until the test ends (then SIGTERM).
func (f *cacheFixture) start(t *testing.T) *botproc.Logs {
	t.Helper()
	return startBotBinary(t, f.bin, f.env)
}

// startKillable runs the bot and returns a function that kills it with SIGKILL and
// waits for it to be gone.
func (f *cacheFixture) startKillable(t *testing.T) (kill func()) {
	t.Helper()
	logs := &botproc.Logs{}
	cmd := exec.Command(f.bin)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, f.env...)
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	kill = func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}
	t.Cleanup(func() {
		kill()
		if t.Failed() {
			t.Logf("killed bot's logs:\n%s", logs.String())
		}
	})
	eventually(t, time.Minute, "the bot's /healthz", func() (bool, error) {
		resp, err := netguard.Client().Get("http://" + f.addr + "/healthz")
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	return kill
}

// push makes branch of r one commit on main with the ConfigMap's color, pushes it
// (forced), and returns the commit.
func (r *cacheRepo) push(t *testing.T, branch, color string) string {
	t.Helper()
	r.work.Git(t, "checkout", "-q", "-B", branch, r.main)
	r.work.Write(t, map[string]string{"deploy/cm.yaml": configMapWith("settings", "shop", "color", color, nil)})
	head := r.work.Commit(t, color, nil)
	r.work.Git(t, "push", "-q", "-f", "origin", branch)
	return head
}

// open sets pull request number of r at head (on branch) and sends action.
func (f *cacheFixture) open(t *testing.T, r *cacheRepo, number int, branch, head, action string) {
	t.Helper()
	f.gh.SetPullRequest(r.name, githubtest.PullRequest{Number: number, User: "alice", HeadSHA: head, HeadRef: branch, BaseRef: "main", BaseSHA: r.main})
	if code, err := f.gh.SendPullRequestEvent(r.name, number, action); err != nil || code != http.StatusAccepted {
		t.Fatalf("pull_request %s of %s#%d: %d %v", action, r.name, number, code, err)
	}
}

// waitPlan waits for the final gitops/plan status of head and returns it with the
// pull request's comment about head ("" when none).
func (f *cacheFixture) waitPlan(t *testing.T, r *cacheRepo, number int, head string) (githubtest.Status, string) {
	t.Helper()
	var st githubtest.Status
	eventually(t, 2*time.Minute, fmt.Sprintf("gitops/plan of %s#%d at %s", r.name, number, head[:7]), func() (bool, error) {
		sts := f.gh.Statuses(r.name, head)
		if len(sts) == 0 || sts[len(sts)-1].State == "pending" {
			return false, nil
		}
		st = sts[len(sts)-1]
		return true, nil
	})
	for _, c := range f.gh.Comments(r.name, number) {
		if strings.Contains(c.Body, "head="+head) {
			return st, c.Body
		}
	}
	return st, ""
}

// requirePlan waits for a successful plan of head whose comment shows color.
func (f *cacheFixture) requirePlan(t *testing.T, r *cacheRepo, number int, head, color string) {
	t.Helper()
	st, body := f.waitPlan(t, r, number, head)
	if st.State != "success" || !strings.Contains(body, "+  color: "+color) {
		t.Fatalf("plan of %s#%d at %s: status %+v, comment:\n%s\nwant success showing color %s", r.name, number, head[:7], st, body, color)
	}
}

// requireWhole checks the cache once its jobs are over: every repository whole (no
// marker of a fetch under way, no half-written pack, every ref readable), keeping no
// ref but its own, and no checkout left behind.
func (f *cacheFixture) requireWhole(t *testing.T) {
	t.Helper()
	repos := filepath.Join(f.cacheDir, "repos")
	eventually(t, time.Minute, "the jobs' checkouts removed", func() (bool, error) {
		left, _ := filepath.Glob(filepath.Join(f.dir, "tmp", "gitcache-checkout-*"))
		return len(left) == 0, nil
	})
	if m, _ := filepath.Glob(filepath.Join(repos, "*.fetch")); len(m) != 0 {
		t.Errorf("fetch markers left: %v", m)
	}
	bares, _ := filepath.Glob(filepath.Join(repos, "*.git"))
	for _, b := range bares {
		if tmp, _ := filepath.Glob(filepath.Join(b, "objects", "pack", "tmp_*")); len(tmp) != 0 {
			t.Errorf("half-written packs in %s: %v", b, tmp)
		}
		if err := gitrepo.RepairMirror(b); err != nil {
			t.Errorf("cached repository: %v", err)
		}
		for _, ref := range strings.Fields(gitrepotest.Git(t, b, "for-each-ref", "--format=%(refname)")) {
			if !strings.HasPrefix(ref, gitrepo.MirrorRefPrefix) {
				t.Errorf("%s keeps ref %s", b, ref)
			}
		}
	}
}

// cached reports whether the cache holds r (installation 1's copy: the bot scopes its
// cache by installation id).
func (f *cacheFixture) cached(r *cacheRepo) bool {
	_, err := os.Stat(filepath.Join(f.cacheDir, "repos", gitcache.Key("1", r.cloneURL)+".git"))
	return err == nil
}

// TestGitCacheMovingBranches: a pull request's branch force-pushed gets a comment of
// its new head, not the cached old one; a branch deleted before its plan fails that
// plan (no stale copy is served) and the cache goes on serving the others.
func TestGitCacheMovingBranches(t *testing.T) {
	f := newCacheFixture(t, []string{"fleet"}, 256<<10)
	r := f.repos["fleet"]
	f.start(t)

	head := r.push(t, "feature", "green")
	f.open(t, r, 1, "feature", head, "opened")
	f.requirePlan(t, r, 1, head, "green")

	// Force-pushed: the same branch, rewritten.
	r.work.Git(t, "checkout", "-q", "-B", "feature", r.main)
	forced := r.push(t, "feature", "red")
	f.open(t, r, 1, "feature", forced, "synchronize")
	f.requirePlan(t, r, 1, forced, "red")
	if cs := f.gh.Comments(r.name, 1); len(cs) != 1 || strings.Contains(cs[0].Body, "+  color: green") {
		t.Fatalf("after the force-push: %d comments, the sticky one:\n%s\nwant the new head's only", len(cs), cs[0].Body)
	}

	// Deleted before its plan: the commit is on no branch the remote serves.
	gone := r.push(t, "gone", "purple")
	r.work.Git(t, "push", "-q", "origin", ":gone")
	f.open(t, r, 2, "gone", gone, "opened")
	if st, body := f.waitPlan(t, r, 2, gone); st.State == "success" || strings.Contains(body, "color: purple") {
		t.Fatalf("plan of a deleted branch: %+v\n%s\nwant a failure, no content", st, body)
	}

	// The cache serves the next one.
	next := r.push(t, "next", "teal")
	f.open(t, r, 3, "next", next, "opened")
	f.requirePlan(t, r, 3, next, "teal")
	f.requireWhole(t)
}

// TestGitCacheConcurrentPlans: two pull requests of one repository planned at once
// share its cached repository: each comment is its own head's, the cache stays whole.
func TestGitCacheConcurrentPlans(t *testing.T) {
	f := newCacheFixture(t, []string{"fleet"}, 1<<20, "GITOPS_BOT_WORKERS=4")
	r := f.repos["fleet"]
	f.start(t)
	colors := []string{"green", "red", "orange", "black"}
	heads := make([]string, len(colors))
	for i, c := range colors {
		heads[i] = r.push(t, "pr-"+c, c)
		f.gh.SetPullRequest(r.name, githubtest.PullRequest{Number: i + 1, User: "alice", HeadSHA: heads[i], HeadRef: "pr-" + c, BaseRef: "main", BaseSHA: r.main})
	}
	var wg sync.WaitGroup
	for i := range colors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, err := f.gh.SendPullRequestEvent(r.name, i+1, "opened"); err != nil || code != http.StatusAccepted {
				t.Errorf("opened #%d: %d %v", i+1, code, err)
			}
		}()
	}
	wg.Wait()
	for i, c := range colors {
		f.requirePlan(t, r, i+1, heads[i], c)
	}
	f.requireWhole(t)
	if bares, _ := filepath.Glob(filepath.Join(f.cacheDir, "repos", "*.git")); len(bares) != 1 {
		t.Errorf("cached repositories %v, want the one", bares)
	}
}

// TestGitCacheKilledMidFetch: the bot killed (SIGKILL) while it fetches a pull
// request's head into the cache leaves a marked, half-written repository; started
// again on the same directory, it repairs it and plans.
func TestGitCacheKilledMidFetch(t *testing.T) {
	f := newCacheFixture(t, []string{"fleet"}, 0)
	r := f.repos["fleet"]
	// A head with 4 MiB of incompressible data: its fetch is stalled half-way.
	r.work.Git(t, "checkout", "-q", "-B", "big", r.main)
	r.work.Write(t, map[string]string{"data/big.txt": noise(t, 4<<20), "deploy/cm.yaml": configMapWith("settings", "shop", "color", "green", nil)})
	head := r.work.Commit(t, "big", nil)
	r.work.Git(t, "push", "-q", "origin", "big")

	kill := f.startKillable(t)
	stalled := r.remote.stallAfter(256 << 10)
	f.open(t, r, 1, "big", head, "opened")
	select {
	case <-stalled:
	case <-time.After(2 * time.Minute):
		t.Fatal("the bot's fetch never came")
	}
	kill()
	r.remote.release()
	markers, _ := filepath.Glob(filepath.Join(f.cacheDir, "repos", "*.fetch"))
	if len(markers) != 1 {
		t.Fatalf("markers after the kill: %v, want the fetch's", markers)
	}

	f.start(t)
	f.open(t, r, 1, "big", head, "synchronize")
	f.requirePlan(t, r, 1, head, "green")
	f.requireWhole(t)
}

// TestGitCacheEviction: with a budget of about two repositories, plans of five go on
// working while the least recently used ones are removed, the cache staying within
// its budget; a repository removed from the installation is dropped from the cache.
func TestGitCacheEviction(t *testing.T) {
	const budget = 5 << 19 // 2.5 MiB: two repositories of 1 MiB and their commits
	names := []string{"a", "b", "c", "d", "e"}
	f := newCacheFixture(t, names, 1<<20, fmt.Sprintf("GITOPS_BOT_GIT_CACHE_SIZE=%d", budget))
	f.start(t)
	for round := range 2 {
		for i, n := range names {
			r := f.repos[n]
			color := fmt.Sprintf("c%d%d", round, i)
			head := r.push(t, "feature", color)
			action := map[int]string{0: "opened", 1: "synchronize"}[round]
			f.open(t, r, 1, "feature", head, action)
			f.requirePlan(t, r, 1, head, color)
			eventually(t, time.Minute, "the cache within its budget", func() (bool, error) {
				used := cacheUsage(filepath.Join(f.cacheDir, "repos"))
				if used > budget {
					t.Logf("cache at %d bytes, budget %d", used, budget)
				}
				return used <= budget, nil
			})
		}
	}
	if bares, _ := filepath.Glob(filepath.Join(f.cacheDir, "repos", "*.git")); len(bares) >= len(names) || len(bares) == 0 {
		t.Errorf("%d repositories cached, want fewer than %d, some", len(bares), len(names))
	}
	f.requireWhole(t)

	// acme/e, planned last, is cached; removed from the installation, it goes.
	e := f.repos["e"]
	if !f.cached(e) {
		t.Fatal("the last planned repository is not cached")
	}
	code, err := f.gh.Send("installation_repositories", map[string]any{
		"action":               "removed",
		"installation":         map[string]any{"id": 1},
		"repository_selection": "selected",
		"repositories_added":   []any{},
		"repositories_removed": []any{map[string]any{"id": 5, "name": "e", "full_name": e.name, "private": true}},
		"sender":               map[string]any{"login": "alice"},
	})
	if err != nil || code != http.StatusAccepted {
		t.Fatalf("installation_repositories removed: %d %v", code, err)
	}
	eventually(t, time.Minute, "acme/e dropped from the cache", func() (bool, error) { return !f.cached(e), nil })
}

// cacheUsage is what the cache counts against its budget: the files of its
// repositories, each rounded up to a 4 KiB block.
func cacheUsage(repos string) int64 {
	var n int64
	bares, _ := filepath.Glob(filepath.Join(repos, "*.git"))
	for _, b := range bares {
		_ = filepath.WalkDir(b, func(_ string, d os.DirEntry, err error) error {
			if err == nil {
				if fi, err := d.Info(); err == nil && !d.IsDir() {
					n += (fi.Size() + 4095) &^ 4095
				} else if err == nil {
					n += 4096
				}
			}
			return nil
		})
	}
	return n
}

// stallRemote is git http-backend serving the bare repositories under root, which
// can be told to stall a fetch half-way (stallAfter) until released.
type stallRemote struct {
	srv   *httptest.Server
	armed atomic.Int64 // bytes of a fetch's answer before it stalls (0: none)
	mu    sync.Mutex
	hit   chan struct{} // closed when a fetch stalled
	hold  chan struct{} // closed by release
}

func newStallRemote(t *testing.T, root string) *stallRemote {
	t.Helper()
	backend, err := gitrepotest.NewHTTPServer(root)
	if err != nil {
		t.Fatal(err)
	}
	backend.Close() // only its handler is used
	s := &stallRemote{hold: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if limit := s.armed.Load(); limit > 0 && strings.HasSuffix(req.URL.Path, "/git-upload-pack") {
			w = &stallWriter{ResponseWriter: w, left: limit, s: s} // stalls if the answer is longer
		}
		backend.Config.Handler.ServeHTTP(w, req)
	}))
	t.Cleanup(func() {
		s.release()
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
	return s
}

// stallAfter makes the next fetch stall after n bytes of its answer; the channel is
// closed when it does.
func (s *stallRemote) stallAfter(n int64) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hit = make(chan struct{})
	s.armed.Store(n)
	return s.hit
}

// release lets a stalled fetch end (its connection broken).
func (s *stallRemote) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.hold:
	default:
		close(s.hold)
	}
}

type stallWriter struct {
	http.ResponseWriter
	left    int64
	s       *stallRemote
	stalled bool
}

func (w *stallWriter) Write(p []byte) (int, error) {
	if w.stalled {
		return 0, errors.New("stalled")
	}
	if int64(len(p)) <= w.left {
		w.left -= int64(len(p))
		return w.ResponseWriter.Write(p)
	}
	if w.s.armed.Swap(0) == 0 {
		w.left = 1 << 62 // another fetch stalled first: this one goes on
		return w.ResponseWriter.Write(p)
	}
	n, _ := w.ResponseWriter.Write(p[:w.left])
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
	w.stalled = true
	w.s.mu.Lock()
	close(w.s.hit)
	w.s.mu.Unlock()
	<-w.s.hold
	return n, errors.New("stalled")
}

// noise is n bytes of incompressible text.
func noise(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n/2)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
