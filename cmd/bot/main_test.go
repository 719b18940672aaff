package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/internal/botproc"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/netguard"
)

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	kubeconfig := filepath.Join(dir, "kubeconfig")
	os.WriteFile(kubeconfig, []byte("apiVersion: v1\nkind: Config\nclusters:\n- {name: c, cluster: {server: https://127.0.0.1:1}}\nusers:\n- {name: u, user: {}}\ncontexts:\n- {name: prod-eu, context: {cluster: c, user: u}}\n"), 0o600)
	access := filepath.Join(dir, "access.yaml")
	os.WriteFile(access, []byte("clusters:\n  prod-eu:\n    owners: [acme]\n    namespaces: [shop]\n  prod-us:\n    owners: [acme]\n"), 0o600)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"nothing given", nil, nil, []string{"--app-id (GITOPS_BOT_APP_ID) is required", "--app-private-key-file (GITOPS_BOT_APP_PRIVATE_KEY_FILE) is required", "--webhook-secret-file"}},
		{"bad env value", nil, map[string]string{"GITOPS_BOT_WORKERS": "many"}, []string{"GITOPS_BOT_WORKERS"}},
		{"missing file", []string{"--app-id", "1", "--app-private-key-file", filepath.Join(dir, "nope"), "--webhook-secret-file", empty}, nil, []string{"no such file", "is empty"}},
		{"bad log format", []string{"--log-format", "xml"}, nil, []string{"--log-format \"xml\""}},
		{"empty registry secret", []string{"--registry-webhook-secret-file", empty}, nil, []string{"--registry-webhook-secret-file " + empty + " is empty"}},
		{"registry secret from the environment", nil, map[string]string{"GITOPS_BOT_REGISTRY_WEBHOOK_SECRET_FILE": filepath.Join(dir, "nope")}, []string{"--registry-webhook-secret-file: open"}},
		{"negative automation interval", nil, map[string]string{"GITOPS_BOT_AUTOMATION_INTERVAL": "-5m"}, []string{"--automation-interval must not be negative"}},
		{"cluster access without a kubeconfig", []string{"--cluster-access", access}, nil, []string{"--cluster-access needs --kubeconfig (GITOPS_BOT_KUBECONFIG)"}},
		{"cluster access naming a context the kubeconfig lacks", []string{"--kubeconfig", kubeconfig}, map[string]string{"GITOPS_BOT_CLUSTER_ACCESS": access},
			[]string{`--cluster-access: ` + access + `:5: context "prod-us": not a context of the kubeconfig`, access + `:5: context "prod-us": namespaces are required`}},
		{"cluster access file missing", []string{"--kubeconfig", kubeconfig, "--cluster-access", filepath.Join(dir, "nope")}, nil, []string{"--cluster-access: read cluster access: open"}},
		{"bad automation interval", []string{"--automation-interval", "often"}, nil, []string{"automation-interval"}},
		{"no share of the queue", []string{"--queue-per-installation", "0"}, nil, []string{"--queue-per-installation must be at least 1"}},
		{"no job time", nil, map[string]string{"GITOPS_BOT_JOB_TIMEOUT": "0s"}, []string{"--job-timeout must be positive"}},
		{"negative clone bound", []string{"--max-clone-bytes=-1"}, nil, []string{"--max-clone-bytes must not be negative"}},
		{"bad private registry host", nil, map[string]string{"GITOPS_BOT_REGISTRY_PRIVATE_HOST": "registry.internal,10.0.0.0/33"}, []string{`--registry-private-host: "10.0.0.0/33" is not an address range (CIDR)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var errOut bytes.Buffer
			cmd := NewCommand(io.Discard, &errOut, func(k string) string { return tt.env[k] })
			cmd.SetArgs(tt.args)
			err := cmd.ExecuteContext(context.Background())
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("err %v, want it to say %q", err, w)
				}
			}
		})
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestServe runs the bot as a real HTTP server against the fake GitHub App API.
func TestServe(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	gh := githubtest.NewChecked(t)
	gh.App = &githubtest.App{ID: 99, Slug: "gitops", Key: &key.PublicKey, TokenTTL: time.Hour, Installations: map[int64]bool{1: true}}
	dir := t.TempDir()
	keyFile, secretFile := filepath.Join(dir, "key.pem"), filepath.Join(dir, "secret")
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600)
	secret := "whsec-test"
	os.WriteFile(secretFile, []byte(secret+"\n"), 0o600)
	addr := freeAddr(t)
	env := map[string]string{"GITOPS_BOT_APP_ID": "99", "GITOPS_BOT_APP_PRIVATE_KEY_FILE": keyFile,
		"GITOPS_BOT_WEBHOOK_SECRET_FILE": secretFile, "GITOPS_BOT_GITHUB_API_URL": gh.URL, "GITOPS_BOT_LOG_FORMAT": "json"}
	var logs botproc.Logs
	cmd := NewCommand(io.Discard, &logs, func(k string) string { return env[k] })
	cmd.SetArgs([]string{"--listen", addr, "--max-body", "4096"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	base := "http://" + addr
	waitFor(t, base+"/healthz")
	// The re-plan of stale pull requests at start calls GitHub: let it finish first.
	for i := 0; i < 400 && !strings.Contains(logs.String(), "re-plan"); i++ {
		time.Sleep(25 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), `"re-planned stale pull requests","queued":0`) {
		t.Fatalf("no re-plan at start:\n%s", logs.String())
	}

	post := func(event, delivery, body, sig string) int {
		req, _ := http.NewRequest(http.MethodPost, base+"/webhook", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", event)
		req.Header.Set("X-GitHub-Delivery", delivery)
		if sig != "" {
			req.Header.Set("X-Hub-Signature-256", sig)
		}
		resp, err := netguard.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	sign := func(body string) string {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(body))
		return "sha256=" + hex.EncodeToString(m.Sum(nil))
	}
	ev := `{"action":"added","installation":{"id":1},"repositories_added":[{"full_name":"o/r"}],"repositories_removed":[]}`
	before := len(gh.Calls())
	for _, c := range []struct {
		name, event, delivery, body, sig string
		want                             int
	}{
		{"signed", "installation_repositories", "a", ev, sign(ev), 202},
		{"replayed", "installation_repositories", "a", ev, sign(ev), 200},
		{"unsigned", "installation_repositories", "b", ev, "", 401},
		{"wrong signature", "installation_repositories", "c", ev, sign(ev + "x"), 401},
		{"too large", "installation_repositories", "d", `{"x":"` + strings.Repeat("y", 5000) + `"}`, sign(`{"x":"` + strings.Repeat("y", 5000) + `"}`), 413},
		{"ping", "ping", "e", `{"zen":"hi","hook_id":1}`, sign(`{"zen":"hi","hook_id":1}`), 202},
	} {
		if got := post(c.event, c.delivery, c.body, c.sig); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	// Installation events change memory, and the image index reads the added
	// repository (its default branch's commit, then GET /repos/o/r): nothing is
	// written to GitHub.
	for _, c := range gh.Calls()[before:] {
		if c.Method != http.MethodGet || (c.Path != "/repos/o/r" && c.Path != "/repos/o/r/commits/HEAD") {
			t.Errorf("webhooks made GitHub call %s %s; want only the index's read of the added repository", c.Method, c.Path)
		}
	}
	for path, want := range map[string]string{
		"/readyz":  "ok",
		"/metrics": `gitops_bot_webhook_deliveries_total{event="other",outcome="unauthorized"} 2`, // never a sender's event name
	} {
		resp, err := netguard.Client().Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("%s: %d, want %q in:\n%.2000s", path, resp.StatusCode, want, b)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the bot did not stop")
	}
	if strings.Contains(logs.String(), secret) || strings.Contains(logs.String(), "PRIVATE KEY") || strings.Contains(logs.String(), "ghs_") {
		t.Errorf("a secret is in the logs:\n%s", logs.String())
	}
}

func waitFor(t *testing.T, url string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		resp, err := netguard.Client().Get(url)
		if err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never answered", url)
}

func TestVersionFlag(t *testing.T) {
	var out bytes.Buffer
	// --version prints and exits before any flag is checked or read from the environment.
	cmd := NewCommand(&out, io.Discard, func(string) string { return "not a number" })
	cmd.SetArgs([]string{"--version"})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "kubectl-gitops-bot version dev (commit ") {
		t.Errorf("got %q", out.String())
	}
}
