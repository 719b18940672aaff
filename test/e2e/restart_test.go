package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/internal/botproc"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/netguard"
)

// TestBotPlansBeforeItsIndexAtStart starts the bot binary with 200 repositories over
// 4 installations (one bare repository behind them all, so every one is a real clone
// for the image index) and sends a pull request event 1 s after start: the plan
// comment appears while the image index is still being built, which goes on in the
// background, and /readyz answers ready all along.
func TestBotPlansBeforeItsIndexAtStart(t *testing.T) {
	const (
		repos         = 200
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
	for i := range repos {
		name := fmt.Sprintf("acme/repo-%03d", i)
		inst := int64(1 + i%4)
		installs[inst] = append(installs[inst], name)
		gh.AddRepo(&githubtest.Repo{FullName: name, GitDir: bare, CloneURL: cloneURL})
	}
	gh.App = &githubtest.App{ID: 5, Slug: "kubectl-gitops", Key: &key.PublicKey, TokenTTL: time.Hour,
		Installations: map[int64]bool{1: true, 2: true, 3: true, 4: true}, Repos: installs}
	botAddr := freeLoopbackAddr(t)
	gh.DeliverWebhooks("http://"+botAddr+"/webhook", []byte(webhookSecret))

	dir := t.TempDir()
	files := map[string]string{
		"key.pem":        string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		"webhook-secret": webhookSecret,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	bin := botproc.Build(t, dir) // before the clock starts: a start, not a build, is timed
	start := time.Now()
	startBotBinary(t, bin, []string{
		"GITOPS_BOT_LISTEN=" + botAddr,
		"GITOPS_BOT_GITHUB_API_URL=" + gh.URL + "/",
		"GITOPS_BOT_APP_ID=5",
		"GITOPS_BOT_APP_PRIVATE_KEY_FILE=" + filepath.Join(dir, "key.pem"),
		"GITOPS_BOT_WEBHOOK_SECRET_FILE=" + filepath.Join(dir, "webhook-secret"),
		"GITOPS_BOT_AUTOMATION_INTERVAL=0",
		"GITOPS_BOT_DRIFT_INTERVAL=0",
		"GITOPS_BOT_LEADER_ELECT=false",
		"GITOPS_BOT_LOG_FORMAT=json",
		"HOME=" + dir,
	})
	time.Sleep(time.Until(start.Add(time.Second)))

	// The pull request is opened 1 s after start, while the index is read.
	gh.SetPullRequest(prRepo, githubtest.PullRequest{Number: 7, User: "alice", HeadSHA: head, HeadRef: "feature", BaseRef: "main", BaseSHA: mainSHA})
	sent := time.Now()
	if code, err := gh.SendPullRequestEvent(prRepo, 7, "opened"); err != nil || code != http.StatusAccepted {
		t.Fatalf("pull_request opened: %d %v", code, err)
	}
	if resp, err := netguard.Client().Get("http://" + botAddr + "/readyz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz during the index build: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	var read, listed, age float64
	eventually(t, 45*time.Second, "the plan comment", func() (bool, error) {
		for _, c := range gh.Comments(prRepo, 7) {
			if strings.Contains(c.Body, "head="+head) {
				m := metricsOf(t, botAddr)
				read, listed, age = metricValue(m, "gitops_bot_automation_index_build_read_repositories"),
					metricValue(m, "gitops_bot_automation_index_build_listed_repositories"), metricValue(m, "gitops_bot_automation_index_age_seconds")
				return true, nil
			}
		}
		return false, nil
	})
	t.Logf("the comment came %s after the event (%s after start); the index had read %v of %v repositories",
		time.Since(sent).Round(time.Millisecond), time.Since(start).Round(time.Millisecond), read, listed)
	if age != -1 || read >= repos {
		t.Fatalf("when the comment came, the index had read %v of %v repositories (age %v): it did not wait for the index, want fewer than %d and age -1",
			read, listed, age, repos)
	}
	// The index goes on in the background.
	eventually(t, 30*time.Second, "the index build progressing", func() (bool, error) {
		return metricValue(metricsOf(t, botAddr), "gitops_bot_automation_index_build_read_repositories") > read, nil
	})
}

// metricValue is the value of the series name (without labels) in a /metrics text,
// -2 when it is missing.
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
