package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
)

// appID is the fake App's id.
const appID = 5

// bumperAutomation is the real bot.GitHubBumper over real git remotes (bare repositories
// served by git http-backend, one commit holding deploy/apps.yaml) and the fake
// GitHub; it counts what the GitHubBumper did, and the pushes the git server received.
type bumperAutomation struct {
	*bot.GitHubBumper
	gh      *githubtest.Server
	cleanup []func()

	mu     sync.Mutex
	bumped map[bot.RepoRef]bool
	counts stepCounts
	pushes atomic.Int64
}

func newBumperAutomation(ctx context.Context, f *fixture) (*bumperAutomation, error) {
	b := &bumperAutomation{bumped: map[bot.RepoRef]bool{}}
	ok := false
	defer func() {
		if !ok {
			b.close()
		}
	}()
	root, err := os.MkdirTemp("", "bench-automation-")
	if err != nil {
		return nil, err
	}
	b.cleanup = append(b.cleanup, func() { os.RemoveAll(root) })
	srv, err := gitrepotest.NewHTTPServer(root)
	if err != nil {
		return nil, err
	}
	b.cleanup = append(b.cleanup, srv.Close)
	backend := srv.Config.Handler // no request has reached it yet
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/git-receive-pack") {
			b.pushes.Add(1)
		}
		backend.ServeHTTP(w, r)
	})

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	b.gh = githubtest.New(b)
	installs := map[int64][]string{}
	ids := map[int64]bool{}
	for _, r := range f.repos {
		installs[r.Installation] = append(installs[r.Installation], r.FullName())
		ids[r.Installation] = true
	}
	b.gh.App = &githubtest.App{ID: appID, Slug: "kubectl-gitops", Key: &key.PublicKey, TokenTTL: time.Hour, Installations: ids, Repos: installs}

	status("creating %d bare git repositories", len(f.repos))
	for _, r := range f.repos {
		if err := ctx.Err(); err != nil { // interrupted
			return nil, err
		}
		bare := filepath.Join(root, r.Owner, r.Name+".git")
		files := map[string]string{}
		for _, file := range f.files[r] {
			files[file.Path] = string(file.Data)
		}
		if _, err := gitrepotest.NewBare(bare, files); err != nil {
			return nil, fmt.Errorf("%s: %w", r.FullName(), err)
		}
		b.gh.AddRepo(&githubtest.Repo{FullName: r.FullName(), GitDir: bare, CloneURL: srv.URL + "/" + r.Owner + "/" + r.Name + ".git"})
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	app, err := githubapp.NewApp(appID, keyPEM, b.gh.URL, nil)
	if err != nil {
		return nil, err
	}
	b.GitHubBumper = &bot.GitHubBumper{App: app, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: bot.NewBumpMetrics(prometheus.NewRegistry())}
	ok = true
	return b, nil
}

// Cleanup stands in for a test's (githubtest.New wants one).
func (b *bumperAutomation) Cleanup(f func()) { b.cleanup = append(b.cleanup, f) }

func (b *bumperAutomation) close() {
	for i := len(b.cleanup) - 1; i >= 0; i-- {
		b.cleanup[i]()
	}
}

func (b *bumperAutomation) Bump(ctx context.Context, r bot.RepoRef, only []string, tags images.TagLister) (*bot.BumpResult, error) {
	res, err := b.GitHubBumper.Bump(ctx, r, only, tags)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.bumped[r] = true
	if res != nil {
		b.counts.opened += len(res.Opened)
		b.counts.updated += len(res.Updated)
		for _, br := range res.Branches {
			b.counts.updates += int64(len(br.Updates))
		}
	}
	return res, err
}

func (b *bumperAutomation) reset() stepCounts {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.counts
	c.repos, c.pushes, c.git = len(b.bumped), int(b.pushes.Swap(0)), true
	b.bumped, b.counts = map[bot.RepoRef]bool{}, stepCounts{}
	return c
}

// openPullRequests counts the open pull requests of every repository.
func (b *bumperAutomation) openPullRequests(f *fixture) int {
	n := 0
	for _, r := range f.repos {
		for _, pr := range b.gh.PullRequests(r.FullName()) {
			if pr.State == "open" {
				n++
			}
		}
	}
	return n
}
