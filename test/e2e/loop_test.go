package e2e

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-gitops/kubectl-gitops/internal/botproc"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images/imagestest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/netguard"
)

// TestTheLoop is the loop users buy the product for, with every part real but GitHub:
// Debian's docker-registry notifies the bot binary (cmd/bot, as deployed) of a pushed
// tag → the bot opens one bump pull request on the git remote → GitHub (the
// spec-checked fake) sends pull_request opened → the bot posts the plan comment with
// the image change → the pull request is merged → the Action (action.yml, as a runner
// runs it) applies main on its push: the new tag runs on the control plane and
// gitops/apply success is posted → GitHub sends the status, and the bot heads the merged pull request's comment with "Applied" →
// GitHub sends the push of main → the bot deletes the merged branch and writes
// nothing else.
func TestTheLoop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	ns := unique("theloop")
	ensureNamespace(t, ns)
	const (
		webhookSecret  = "loop-webhook-secret"
		registrySecret = "loop-registry-secret"
	)

	// The bot's address is chosen first: the registry is configured to notify it.
	botAddr := freeLoopbackAddr(t)
	regDir := t.TempDir()
	notify := fmt.Sprintf(`notifications:
  endpoints:
    - name: gitops-bot
      url: http://%s/hooks/registry
      headers:
        Authorization: [Bearer %s]
      timeout: 5s
      threshold: 1
      backoff: 200ms
`, botAddr, registrySecret)
	if err := os.WriteFile(filepath.Join(regDir, "extra.yml"), []byte(notify), 0o600); err != nil {
		t.Fatal(err)
	}
	reg, err := imagestest.StartDebianRegistry(ctx, regDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := reg.Stop(); err != nil {
			t.Log(err)
		}
	})
	image := reg.Host + "/shop/web"
	img, err := imagestest.Image(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if err := imagestest.PushTags(ctx, reg.Host, "shop/web", img, "1.0.0"); err != nil {
		t.Fatal(err)
	}

	// The fleet repository on a git remote; main is applied.
	r, cloneURL, bare := remoteRepo(t, map[string]string{
		".gitops.yaml":    fmt.Sprintf("targets:\n  - name: dev\n    path: deploy\n    cluster: test\n    applyset: %[1]s\n    applysetNamespace: %[1]s\n    defaultNamespace: %[1]s\n", ns),
		"deploy/web.yaml": bumpWeb(ns, image, "1.0.0"),
	})
	mustGitops(t, 0, "apply", r.Dir, "--path", "deploy", "--applyset", ns, "--applyset-namespace", ns, "--progress", "none")

	// GitHub: the App installed on acme/fleet, sending its webhooks to the bot.
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	gh := githubtest.NewChecked(t)
	gh.App = &githubtest.App{ID: 5, Slug: "kubectl-gitops", Key: &key.PublicKey, TokenTTL: time.Hour,
		Installations: map[int64]bool{1: true}, Repos: map[int64][]string{1: {"acme/fleet"}}}
	gh.AddRepo(&githubtest.Repo{FullName: "acme/fleet", GitDir: bare, CloneURL: cloneURL})
	gh.DeliverWebhooks("http://"+botAddr+"/webhook", []byte(webhookSecret))

	// The bot binary, configured as deploy/bot does it: files for secrets, env for the rest.
	dir := t.TempDir()
	files := map[string]string{
		"key.pem":         string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		"webhook-secret":  webhookSecret,
		"registry-secret": registrySecret,
		// The operator grants the cluster to acme/fleet: without it every plan is offline.
		"cluster-access.yaml": fmt.Sprintf("clusters:\n  test:\n    repositories: [acme/fleet]\n    namespaces: [%s]\n", ns),
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	logs := startBot(t, ctx, dir, []string{
		"GITOPS_BOT_LISTEN=" + botAddr,
		"GITOPS_BOT_GITHUB_API_URL=" + gh.URL + "/",
		"GITOPS_BOT_APP_ID=5",
		"GITOPS_BOT_APP_PRIVATE_KEY_FILE=" + filepath.Join(dir, "key.pem"),
		"GITOPS_BOT_WEBHOOK_SECRET_FILE=" + filepath.Join(dir, "webhook-secret"),
		"GITOPS_BOT_REGISTRY_WEBHOOK_SECRET_FILE=" + filepath.Join(dir, "registry-secret"),
		"GITOPS_BOT_KUBECONFIG=" + writeKubeconfigContext(t, cluster.Config.Host, cluster.Config.BearerToken, "test"),
		"GITOPS_BOT_CLUSTER_ACCESS=" + filepath.Join(dir, "cluster-access.yaml"),
		"GITOPS_BOT_AUTOMATION_INTERVAL=0",              // registry events only: the scan is not what is tested
		"GITOPS_BOT_REGISTRY_PRIVATE_HOST=" + reg.Host,  // the operator allows the loopback registry,
		"GITOPS_BOT_REGISTRY_INSECURE_HOST=" + reg.Host, // over plain HTTP
		"GITOPS_BOT_LEADER_ELECT=false",
		"GITOPS_BOT_LOG_FORMAT=json",
		"GITOPS_BOT_GIT_CACHE_DIR=" + filepath.Join(dir, "git-cache"), // plans and bumps from the git cache
		"HOME=" + dir, // no docker config of the machine's
	})
	// Registry events reach the repositories indexed so far: wait for the index.
	eventually(t, 2*time.Minute, "the bot's image index holds acme/fleet", func() (bool, error) {
		return strings.Contains(metricsOf(t, botAddr), "gitops_bot_automation_index_repositories 1"), nil
	})

	// The registry notifies of 1.0.0's push too, retried until the bot listens: wait until
	// the bot has handled it (automated by no repository while the index was being
	// built, or bumped with nothing to change), so that each count below is the later
	// pushes' alone (a late 1.0.0 event would bump to 1.0.1 once more, as a third event).
	eventually(t, 2*time.Minute, "the bot handled the registry's notification of 1.0.0", func() (bool, error) {
		m := metricsOf(t, botAddr)
		return metricValue(m, `gitops_bot_automation_registry_events_total{outcome="unused"}`) > 0 ||
			metricValue(m, `gitops_bot_automation_repos_bumped_total{outcome="success",trigger="event"}`) > 0, nil
	})

	// A new tag: the registry tells the bot, the bot opens one bump pull request.
	if err := imagestest.PushTags(ctx, reg.Host, "shop/web", img, "1.0.1"); err != nil {
		t.Fatal(err)
	}
	var pr githubtest.PullRequest
	eventually(t, 2*time.Minute, "a bump pull request", func() (bool, error) {
		prs := gh.PullRequests("acme/fleet")
		if len(prs) > 1 {
			return false, fmt.Errorf("%d pull requests, want 1: %+v", len(prs), prs)
		}
		if len(prs) == 1 {
			pr = prs[0]
		}
		return len(prs) == 1, nil
	})
	branch := "gitops/image/" + strings.ReplaceAll(image, ":", "-")
	if pr.HeadRef != branch || pr.BaseRef != "main" {
		t.Fatalf("pull request %s → %s, want %s → main", pr.HeadRef, pr.BaseRef, branch)
	}
	git := func(args ...string) string { return gitrepotest.Git(t, bare, args...) }
	if got, want := git("show", branch+":deploy/web.yaml"), strings.TrimSpace(bumpWeb(ns, image, "1.0.1")); got != want {
		t.Fatalf("the bump branch's deploy/web.yaml:\n%s\nwant only the tag changed:\n%s", got, want)
	}
	if n := git("rev-list", "--count", "main.."+branch); n != "1" {
		t.Fatalf("the bump branch is %s commits ahead of main, want 1", n)
	}
	head := git("rev-parse", branch)

	// Another event for the image (an older tag pushed): the bump runs again, from the
	// git cache, finds its branch current and changes nothing: no second pull request,
	// the branch where it was.
	if err := imagestest.PushTags(ctx, reg.Host, "shop/web", img, "0.9.0"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Minute, "the second bump found its branch current", func() (bool, error) {
		return strings.Contains(metricsOf(t, botAddr), `gitops_bot_image_bump_branches_total{action="unchanged"} 1`), nil
	})
	if got := git("rev-parse", branch); got != head {
		t.Fatalf("the bump branch moved to %s on an event that changes nothing, want %s", got, head)
	}
	if prs := gh.PullRequests("acme/fleet"); len(prs) != 1 {
		t.Fatalf("%d pull requests after an event that changes nothing, want 1", len(prs))
	}

	// GitHub sent pull_request opened: the bot plans it against the cluster, comments,
	// and sets gitops/plan on the head.
	eventually(t, 2*time.Minute, "gitops/plan on the bump pull request's head", func() (bool, error) {
		st := gh.Statuses("acme/fleet", head)
		return len(st) > 0 && st[len(st)-1].State != "pending", nil
	})
	var comment string
	for _, c := range gh.Comments("acme/fleet", pr.Number) {
		if strings.Contains(c.Body, "head="+head) {
			comment = c.Body
		}
	}
	if st := gh.Statuses("acme/fleet", head); st[len(st)-1].Context != "gitops/plan" || st[len(st)-1].State != "success" {
		t.Fatalf("plan statuses of %s: %+v\ncomment:\n%s", head, st, comment)
	}
	requireContainsAll(t, comment, "dev (live: dry-run against cluster test)", "image `"+image+":1.0.0` → `"+image+":1.0.1`")

	// Merge, then apply main as the Action or a pipeline does, with its commit status.
	if err := gh.Merge("acme/fleet", pr.Number); err != nil {
		t.Fatal(err)
	}
	if main := git("rev-parse", "main"); main != head {
		t.Fatalf("main is %s after the merge, want %s", main, head)
	}
	app, err := githubapp.NewApp(5, []byte(files["key.pem"]), gh.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	token, err := app.Token(ctx, 1) // what the workflow's token may do here, as an App's
	if err != nil {
		t.Fatal(err)
	}
	// The Action (action.yml, run as a runner does) applies main on its push and posts
	// gitops/apply on the commit.
	kc, err := os.ReadFile(cluster.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	workspace := filepath.Join(t.TempDir(), "fleet")
	if _, err := gitrepotest.Run("", "clone", "-q", "--branch", "main", bare, workspace); err != nil {
		t.Fatal(err)
	}
	action := newActionEnv(t)
	action.gh = gh // the same GitHub as the bot's
	res := action.run(workspace, t.TempDir(), "main", "push", map[string]any{"ref": "refs/heads/main", "after": head}, head,
		map[string]string{"command": "apply", "path": "deploy", "applyset": ns, "applyset-namespace": ns, "default-namespace": ns, "kubeconfig": string(kc), "github-token": token})
	if res.Err != nil {
		t.Fatalf("the Action's apply: %v\nlog:\n%s", res.Err, res.Log)
	}
	d, err := kube(t).AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil || d.Spec.Template.Spec.Containers[0].Image != image+":1.0.1" {
		t.Fatalf("the cluster runs %v (%v), want %s:1.0.1", d.Spec.Template.Spec.Containers, err, image)
	}
	if st := gh.Statuses("acme/fleet", head); st[len(st)-1].Context != "gitops/apply" || st[len(st)-1].State != "success" {
		t.Fatalf("statuses of %s after the apply: %+v", head, st)
	}

	// GitHub sent the status: the bot heads the merged pull request's plan comment
	// with the apply, once.
	eventually(t, 2*time.Minute, "the merged pull request's comment says it was applied", func() (bool, error) {
		cs := gh.Comments("acme/fleet", pr.Number)
		return len(cs) == 1 && strings.Contains(cs[0].Body, "**Applied** to `dev` at "), nil
	})

	// GitHub sent the push of main: the bot deletes the merged branch, nothing else.
	eventually(t, 2*time.Minute, "the merged bump branch deleted", func() (bool, error) {
		_, err := gitrepotest.Command(bare, "rev-parse", "--verify", "-q", "refs/heads/"+branch).Output()
		return err != nil, nil
	})
	if prs := gh.PullRequests("acme/fleet"); len(prs) != 1 {
		t.Fatalf("pull requests at the end: %+v, want the merged one only", prs)
	}
	writes := map[string]int{}
	for _, c := range gh.Calls() {
		if c.Method != http.MethodGet && !strings.HasSuffix(c.Path, "/access_tokens") {
			writes[c.Method+" "+c.Path]++
		}
		for _, secret := range []string{webhookSecret, registrySecret} {
			if strings.Contains(c.Body, secret) {
				t.Errorf("%s %s carries a secret", c.Method, c.Path)
			}
		}
	}
	if writes["POST /repos/acme/fleet/pulls"] != 1 || writes["POST /repos/acme/fleet/issues/"+fmt.Sprint(pr.Number)+"/comments"] != 1 {
		t.Errorf("GitHub writes: %v; want one pull request and one plan comment", writes)
	}
	if strings.Contains(logs.String(), webhookSecret) || strings.Contains(logs.String(), registrySecret) {
		t.Error("the bot's logs carry a secret")
	}
	if bares, _ := filepath.Glob(filepath.Join(dir, "git-cache", "repos", "*.git")); len(bares) != 1 {
		t.Errorf("git cache holds %v, want acme/fleet", bares)
	}
	// The installation tokens the bumps pushed with stay in memory: not in the logs, not
	// in a file of the git cache (no remote URL, config or credential file keeps them).
	const tokenPrefix = "ghs_" // githubtest's, as GitHub's
	if strings.Contains(logs.String(), tokenPrefix) {
		t.Error("the bot's logs carry an installation token")
	}
	_ = filepath.WalkDir(filepath.Join(dir, "git-cache"), func(p string, e os.DirEntry, err error) error {
		if err != nil || !e.Type().IsRegular() {
			return err
		}
		if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), tokenPrefix) {
			t.Errorf("an installation token is written in %s", p)
		}
		return nil
	})
}

// startBot builds cmd/bot and runs it with env until the test ends (SIGTERM, then the
// graceful shutdown is waited for); its logs are returned.
func startBot(t *testing.T, ctx context.Context, dir string, env []string) *botproc.Logs {
	t.Helper()
	return startBotBinary(t, botproc.Build(t, dir), env)
}

// startBotBinary is startBot of a bot already built (botproc.Build).
func startBotBinary(t *testing.T, bin string, env []string) *botproc.Logs {
	t.Helper()
	logs := botproc.Start(t, bin, nil, env)
	for _, e := range env {
		if addr, ok := strings.CutPrefix(e, "GITOPS_BOT_LISTEN="); ok {
			eventually(t, time.Minute, "the bot's /healthz", func() (bool, error) {
				resp, err := netguard.Client().Get("http://" + addr + "/healthz")
				if err != nil {
					return false, nil
				}
				resp.Body.Close()
				return resp.StatusCode == http.StatusOK, nil
			})
		}
	}
	return logs
}

func metricsOf(t *testing.T, addr string) string {
	t.Helper()
	resp, err := netguard.Client().Get("http://" + addr + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// freeLoopbackAddr is a 127.0.0.1 address nothing listens on at the time of the call.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
