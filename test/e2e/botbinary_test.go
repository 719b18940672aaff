package e2e

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
)

// binaryBot is the bot binary (cmd/bot, as deploy/bot runs it) serving acme/fleet from
// the spec-checked fake GitHub, which sends it the App's webhooks, with cluster
// context test granted to acme/fleet in namespace ns through the bot's dry-run-only
// account.
type binaryBot struct {
	gh              *githubtest.Server
	addr, adminAddr string
}

// startBinaryBot applies deploy/bot's account, starts the bot with env over the
// defaults below (drift checks and the image scan off, one replica) and waits until
// it serves.
func startBinaryBot(t *testing.T, ctx context.Context, ns, bare, cloneURL string, env ...string) *binaryBot {
	t.Helper()
	applyDeployBot(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	const webhookSecret = "binary-bot-webhook-secret"
	b := &binaryBot{gh: githubtest.NewChecked(t), addr: freeLoopbackAddr(t), adminAddr: freeLoopbackAddr(t)}
	b.gh.App = &githubtest.App{ID: 5, Slug: "kubectl-gitops", Key: &key.PublicKey, TokenTTL: time.Hour,
		Installations: map[int64]bool{1: true}, Repos: map[int64][]string{1: {"acme/fleet"}}}
	b.gh.AddRepo(&githubtest.Repo{FullName: "acme/fleet", GitDir: bare, CloneURL: cloneURL})
	b.gh.DeliverWebhooks("http://"+b.addr+"/webhook", []byte(webhookSecret))
	dir := t.TempDir()
	for name, content := range map[string]string{
		"key.pem":             string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		"webhook-secret":      webhookSecret,
		"cluster-access.yaml": fmt.Sprintf("clusters:\n  test:\n    repositories: [acme/fleet]\n    namespaces: [%s]\n", ns),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	startBot(t, ctx, dir, append([]string{
		"GITOPS_BOT_LISTEN=" + b.addr,
		"GITOPS_BOT_ADMIN_LISTEN=" + b.adminAddr,
		"GITOPS_BOT_GITHUB_API_URL=" + b.gh.URL + "/",
		"GITOPS_BOT_APP_ID=5",
		"GITOPS_BOT_APP_PRIVATE_KEY_FILE=" + filepath.Join(dir, "key.pem"),
		"GITOPS_BOT_WEBHOOK_SECRET_FILE=" + filepath.Join(dir, "webhook-secret"),
		// The bot's dry-run-only account, impersonated: nothing it does can write.
		"GITOPS_BOT_KUBECONFIG=" + writeKubeconfigAs(t, cluster.Config.Host, cluster.Config.BearerToken, "test", botUser, botGroups...),
		"GITOPS_BOT_CLUSTER_ACCESS=" + filepath.Join(dir, "cluster-access.yaml"),
		"GITOPS_BOT_DRIFT_INTERVAL=0",
		"GITOPS_BOT_AUTOMATION_INTERVAL=0",
		"GITOPS_BOT_LEADER_ELECT=false",
		"GITOPS_BOT_LOG_FORMAT=json",
		"HOME=" + dir,
	}, env...))
	return b
}

// requireWithinContract fails for every call the fake answered with an error: a call
// outside GitHub's OpenAPI description, or one GitHub would refuse.
func (b *binaryBot) requireWithinContract(t *testing.T) {
	t.Helper()
	for _, c := range b.gh.Calls() {
		if c.Status >= 400 {
			t.Errorf("%s %s answered %d: outside GitHub's contract or refused", c.Method, c.Path, c.Status)
		}
	}
}
