package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/internal/botproc"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/netguard"
)

// TestBotPlansBeforeItsIndexAtStart starts the bot binary with 200 repositories over
// 4 installations (one bare repository behind 195 of them, one each behind the last
// 5, so every one is a real clone for the image index) and sends a pull request event
// 1 s after start: the plan comment appears while the image index is still being
// built, which goes on in the background, and /readyz answers ready all along. The
// bot keeps its index in --git-cache-dir; it is stopped (SIGTERM) once the index is
// built, the last 5 repositories' default branches move, and it starts again on the
// same directory with a pull request event in flight: the comment appears while the
// index build is held back (its calls to GitHub wait on a gate), and the build then
// reads only the 5 that moved (the index's metric, and the fake GitHub's 304 answers
// to the other 195).
func TestBotPlansBeforeItsIndexAtStart(t *testing.T) {
	const (
		repos         = 200
		moved         = 5
		webhookSecret = "restart-webhook-secret"
		prRepo        = "acme/repo-000"
	)
	r, cloneURL, bare := remoteRepo(t, map[string]string{
		".gitops.yaml":   "targets:\n  - name: dev\n    path: deploy\n    defaultNamespace: shop\n",
		"deploy/cm.yaml": configMapWith("settings", "shop", "color", "blue", nil),
	})
	mainSHA := r.Head(t)
	r.Git(t, "checkout", "-q", "-b", "feature")
	r.Write(t, map[string]string{"deploy/cm.yaml": configMapWith("settings", "shop", "color", "green", nil)})
	head := r.Commit(t, "green", nil)
	r.Git(t, "push", "-q", "origin", "feature")

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	gh := githubtest.NewChecked(t)
	installs := map[int64][]string{}
	var movedBares []string
	for i := range repos {
		name := fmt.Sprintf("acme/repo-%03d", i)
		inst := int64(1 + i%4)
		installs[inst] = append(installs[inst], name)
		gitDir, clone := bare, cloneURL
		if i >= repos-moved { // a repository of its own, to move
			base := fmt.Sprintf("moved-%d.git", i)
			gitDir = filepath.Join(filepath.Dir(bare), base)
			gitrepotest.Git(t, "", "clone", "-q", "--bare", bare, gitDir)
			clone = strings.TrimSuffix(cloneURL, "fleet.git") + base
			movedBares = append(movedBares, gitDir)
		}
		gh.AddRepo(&githubtest.Repo{FullName: name, GitDir: gitDir, CloneURL: clone})
	}
	gh.App = &githubtest.App{ID: 5, Slug: "kubectl-gitops", Key: &key.PublicKey, TokenTTL: time.Hour,
		Installations: map[int64]bool{1: true, 2: true, 3: true, 4: true}, Repos: installs}
	botAddr := freeLoopbackAddr(t)
	gh.DeliverWebhooks("http://"+botAddr+"/webhook", []byte(webhookSecret))
	api := newHeadGate(t, gh.URL)

	dir := t.TempDir()
	cacheDir := filepath.Join(dir, "git-cache")
	files := map[string]string{
		"key.pem":        string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		"webhook-secret": webhookSecret,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{
		"GITOPS_BOT_LISTEN=" + botAddr,
		"GITOPS_BOT_GITHUB_API_URL=" + api.URL + "/",
		"GITOPS_BOT_APP_ID=5",
		"GITOPS_BOT_APP_PRIVATE_KEY_FILE=" + filepath.Join(dir, "key.pem"),
		"GITOPS_BOT_WEBHOOK_SECRET_FILE=" + filepath.Join(dir, "webhook-secret"),
		"GITOPS_BOT_GIT_CACHE_DIR=" + cacheDir,
		"GITOPS_BOT_AUTOMATION_INTERVAL=0",
		"GITOPS_BOT_DRIFT_INTERVAL=0",
		"GITOPS_BOT_LEADER_ELECT=false",
		"GITOPS_BOT_LOG_FORMAT=json",
		"HOME=" + dir,
	}
	bin := botproc.Build(t, dir) // before the clock starts: a start, not a build, is timed
	indexMetrics := func() (read, listed, age float64) {
		m := metricsOf(t, botAddr)
		return metricValue(m, "gitops_bot_automation_index_build_read_repositories"),
			metricValue(m, "gitops_bot_automation_index_build_listed_repositories"), metricValue(m, "gitops_bot_automation_index_age_seconds")
	}
	// planAtStart starts the bot, opens pull request number 1 s later and waits for its
	// comment; it returns the index build's progress when the comment came.
	planAtStart := func(number int) (*botproc.Proc, float64, float64) {
		t.Helper()
		start := time.Now()
		bot := runBotBinary(t, bin, botAddr, env)
		time.Sleep(time.Until(start.Add(time.Second)))
		gh.SetPullRequest(prRepo, githubtest.PullRequest{Number: number, User: "alice", HeadSHA: head, HeadRef: "feature", BaseRef: "main", BaseSHA: mainSHA})
		sent := time.Now()
		if code, err := gh.SendPullRequestEvent(prRepo, number, "opened"); err != nil || code != http.StatusAccepted {
			t.Fatalf("pull_request opened: %d %v", code, err)
		}
		if resp, err := netguard.Client().Get("http://" + botAddr + "/readyz"); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("/readyz during the index build: %v %v", resp, err)
		} else {
			resp.Body.Close()
		}
		var read, listed, age float64
		eventually(t, 45*time.Second, "the plan comment", func() (bool, error) {
			for _, c := range gh.Comments(prRepo, number) {
				if strings.Contains(c.Body, "head="+head) {
					read, listed, age = indexMetrics()
					return true, nil
				}
			}
			return false, nil
		})
		t.Logf("pull request %d: the comment came %s after the event (%s after start); the index had read %v of %v repositories",
			number, time.Since(sent).Round(time.Millisecond), time.Since(start).Round(time.Millisecond), read, listed)
		if age != -1 || read >= repos {
			t.Fatalf("when the comment came, the index had read %v of %v repositories (age %v): it did not wait for the index, want fewer than %d and age -1",
				read, listed, age, repos)
		}
		return bot, read, age
	}

	// First start: an empty cache directory.
	bot, read, _ := planAtStart(7)
	// The index goes on in the background, to its end.
	eventually(t, 30*time.Second, "the index build progressing", func() (bool, error) {
		r, _, _ := indexMetrics()
		return r > read, nil
	})
	eventually(t, 3*time.Minute, "the index built", func() (bool, error) {
		_, _, age := indexMetrics()
		return age >= 0, nil
	})
	bot.Stop(t)
	saved, err := os.ReadFile(filepath.Join(cacheDir, "image-index.json"))
	if err != nil || !strings.Contains(string(saved), "acme/repo-199") {
		t.Fatalf("the index file after the first run: %v\n%.500s", err, saved)
	}

	// Restart on the same directory after the last repositories' default branches moved.
	for _, b := range movedBares {
		gitrepotest.Git(t, "", "--git-dir", b, "update-ref", "refs/heads/main", head)
	}
	before := len(gh.Calls())
	api.close()
	bot, _, _ = planAtStart(8)
	api.open()
	eventually(t, 2*time.Minute, "the index built again", func() (bool, error) {
		_, _, age := indexMetrics()
		return age >= 0, nil
	})
	m := metricsOf(t, botAddr)
	reads, unchanged := metricValue(m, `gitops_bot_automation_index_reads_total{outcome="read"}`), metricValue(m, `gitops_bot_automation_index_reads_total{outcome="unchanged"}`)
	notModified, answered := 0, 0
	for _, c := range gh.Calls()[before:] {
		if strings.HasSuffix(c.Path, "/commits/HEAD") {
			switch c.Status {
			case http.StatusNotModified:
				notModified++
			case http.StatusOK:
				answered++
			}
		}
	}
	t.Logf("after the restart the index read %v repositories, %v unchanged; GitHub answered 304 to %d and the commit to %d",
		reads, unchanged, notModified, answered)
	if reads != moved || unchanged != repos-moved || notModified != repos-moved || answered != moved {
		t.Fatalf("after the restart the index read %v repositories and skipped %v (GitHub: %d unchanged, %d moved); want %d read, %d skipped",
			reads, unchanged, notModified, answered, moved, repos-moved)
	}
	bot.Stop(t)
}

// runBotBinary runs the bot binary and waits for its /healthz.
func runBotBinary(t *testing.T, bin, addr string, env []string) *botproc.Proc {
	t.Helper()
	p := botproc.Run(t, bin, nil, env)
	eventually(t, time.Minute, "the bot's /healthz", func() (bool, error) {
		resp, err := netguard.Client().Get("http://" + addr + "/healthz")
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	return p
}

// headGate is a proxy in front of the fake GitHub that holds back the index's calls
// (GET .../commits/HEAD) while closed: the index build cannot end before the test
// says so, whatever the machine's speed.
type headGate struct {
	URL  string
	mu   sync.Mutex
	gate chan struct{} // closed: open
}

func newHeadGate(t *testing.T, target string) *headGate {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	g := &headGate{gate: make(chan struct{})}
	close(g.gate)
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.Transport = netguard.Transport()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/commits/HEAD") {
			g.mu.Lock()
			gate := g.gate
			g.mu.Unlock()
			select {
			case <-gate:
			case <-r.Context().Done():
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(g.open) // before the bot stops (cleanups run last first)
	g.URL = srv.URL
	return g
}

func (g *headGate) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.gate:
		g.gate = make(chan struct{})
	default:
	}
}

func (g *headGate) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.gate:
	default:
		close(g.gate)
	}
}

// metricValue is the value of the series name in a /metrics text, -2 when it is
// missing; name is the metric's name, with its labels as the text writes them (sorted
// by name) when it has some.
func metricValue(text, name string) float64 {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err == nil {
				return f
			}
		}
	}
	return -2
}
