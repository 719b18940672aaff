package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/spf13/pflag"

	"github.com/kubectl-gitops/kubectl-gitops/internal/botproc"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images/imagestest"
)

// countedRegistry is go-containerregistry's in-memory registry on loopback, counting
// the TCP connections it accepts and the HTTP requests it answers.
type countedRegistry struct {
	*httptest.Server
	conns, requests atomic.Int64
}

func newCountedRegistry(t *testing.T) *countedRegistry {
	t.Helper()
	c := &countedRegistry{}
	h := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	c.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.requests.Add(1)
		h.ServeHTTP(w, r)
	}))
	c.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			c.conns.Add(1)
		}
	}
	c.Config.ErrorLog = log.New(io.Discard, "", 0) // TLS handshakes on a plain-HTTP server
	c.Start()
	t.Cleanup(c.Close)
	return c
}

func (c *countedRegistry) host() string { return strings.TrimPrefix(c.URL, "http://") }

// TestAutomationRegistryHosts: a repository's policy names a registry on loopback. The
// bot's periodic scan, with the registry options as the bot's flags make them, does
// not connect to it unless the operator allows the host (--registry-private-host),
// and reaches it over plain HTTP only when --registry-insecure-host lists it; the
// image's problem names the host and the flag.
func TestAutomationRegistryHosts(t *testing.T) {
	reg := newCountedRegistry(t)
	host := reg.host()
	img, err := imagestest.Image(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if err := imagestest.PushTags(context.Background(), host, "shop/web", img, "1.0.0", "1.0.1"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		flags     []string
		wantPR    bool
		wantConns bool     // any TCP connection to the registry
		wantLog   []string // in the image's problem
	}{
		{name: "not allowed", flags: nil,
			wantLog: []string{host, "loopback", "--registry-private-host " + host}},
		{name: "allowed, but not over plain HTTP", flags: []string{"--registry-private-host", host},
			wantConns: true, wantLog: []string{host, "plain HTTP", "--registry-insecure-host"}},
		{name: "another port of the host allowed", flags: []string{"--registry-private-host", "127.0.0.1:1", "--registry-insecure-host", host},
			wantLog: []string{host, "--registry-private-host " + host}},
		{name: "allowed", flags: []string{"--registry-private-host", host, "--registry-insecure-host", host}, wantPR: true, wantConns: true},
		{name: "allowed by address range", flags: []string{"--registry-private-host", "127.0.0.0/8", "--registry-insecure-host", host}, wantPR: true, wantConns: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg.conns.Store(0)
			reg.requests.Store(0)
			f := newAutomationFixture(t, host+"/shop/web:1.0.0")
			logs := &botproc.Logs{}
			dockerConfig := filepath.Join(t.TempDir(), "config.json")
			if err := os.WriteFile(dockerConfig, []byte("{}"), 0o600); err != nil {
				t.Fatal(err)
			}
			o := &Options{}
			fs := pflag.NewFlagSet("bot", pflag.ContinueOnError)
			o.AddFlags(fs)
			if err := fs.Parse(append(tc.flags, "--docker-config", dockerConfig, "--registry-platform-credentials", "none")); err != nil {
				t.Fatal(err)
			}
			if err := o.AutomationOptions.validate(); err != nil {
				t.Fatal(err)
			}
			o.Workers = 1
			o.log = slog.New(slog.NewTextHandler(logs, nil))
			a, err := o.newBumpScheduler(f.app, bot.NewMetrics(), func(bot.Job) error { return nil }, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := a.BuildIndex(context.Background()); err != nil {
				t.Fatal(err)
			}
			rep := a.Scan(context.Background())
			prs := f.gh.PullRequests("acme/fleet")
			if got := len(prs) == 1; got != tc.wantPR || len(prs) > 1 {
				t.Fatalf("pull requests %+v, want one: %v (scan %+v)\n%s", prs, tc.wantPR, rep, logs)
			}
			if got := reg.conns.Load() > 0; got != tc.wantConns {
				t.Errorf("%d connections to the registry, want some: %v\n%s", reg.conns.Load(), tc.wantConns, logs)
			}
			if !tc.wantPR {
				if n := reg.requests.Load(); n != 0 {
					t.Errorf("the registry answered %d requests, want none", n)
				}
				if rep.Problems != 1 {
					t.Errorf("scan %+v, want one problem", rep)
				}
			}
			t.Log(problemLines(logs.String()))
			for _, w := range tc.wantLog {
				if !strings.Contains(logs.String(), w) {
					t.Errorf("the logs lack %q:\n%s", w, logs)
				}
			}
		})
	}
}

// automationFixture is acme/fleet on a real git remote, automating one image, and
// the spec-checked fake GitHub as the App's API.
type automationFixture struct {
	gh  *githubtest.Server
	app *githubapp.App
}

func newAutomationFixture(t *testing.T, image string) *automationFixture {
	t.Helper()
	root := t.TempDir()
	manifest := fmt.Sprintf("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n  annotations:\n    fluxcd.io/automated: \"true\"\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: %s\n", image)
	bare := gitrepotest.NewRepo(t, map[string]string{"web.yaml": manifest}).Bare(t, filepath.Join(root, "fleet.git"))
	srv, err := gitrepotest.NewHTTPServer(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f := &automationFixture{gh: githubtest.NewChecked(t)}
	f.gh.App = &githubtest.App{ID: 5, Slug: "kubectl-gitops", Key: &key.PublicKey, TokenTTL: time.Hour,
		Installations: map[int64]bool{1: true}, Repos: map[int64][]string{1: {"acme/fleet"}}}
	f.gh.AddRepo(&githubtest.Repo{FullName: "acme/fleet", GitDir: bare, CloneURL: srv.URL + "/fleet.git"})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if f.app, err = githubapp.NewApp(5, keyPEM, f.gh.URL, nil); err != nil {
		t.Fatal(err)
	}
	return f
}

func problemLines(logs string) string {
	var out []string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, "image problem") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
