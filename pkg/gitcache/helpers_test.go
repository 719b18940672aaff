package gitcache

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// TestMain isolates git (CLI and go-git) from the user's configuration.
func TestMain(m *testing.M) {
	home, err := os.MkdirTemp("", "gitcache-home-*")
	if err != nil {
		panic(err)
	}
	os.Setenv("HOME", home)
	os.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	os.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	code := m.Run()
	os.RemoveAll(home)
	os.Exit(code)
}

// remote is git's own git-http-backend on loopback serving bare repositories under
// root, counting the requests and the bytes it answers.
type remote struct {
	root     string
	srv      *httptest.Server
	requests atomic.Int64
	bytes    atomic.Int64
}

func newRemote(t *testing.T) *remote {
	t.Helper()
	out, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		t.Skipf("git: %v", err)
	}
	backend := filepath.Join(strings.TrimSpace(string(out)), "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		t.Skipf("git-http-backend not available: %v", err)
	}
	r := &remote{root: t.TempDir()}
	h := &cgi.Handler{Path: backend, Stderr: io.Discard,
		Env: []string{"GIT_PROJECT_ROOT=" + r.root, "GIT_HTTP_EXPORT_ALL=1", "HOME=" + os.Getenv("HOME")}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.requests.Add(1)
		h.ServeHTTP(&countingWriter{ResponseWriter: w, n: &r.bytes}, req)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n.Add(int64(len(p)))
	return w.ResponseWriter.Write(p)
}

// reset zeroes the counters and returns what they held.
func (r *remote) reset() (requests, bytes int64) {
	return r.requests.Swap(0), r.bytes.Swap(0)
}

// repo is a work tree pushed to a bare repository of a remote.
type repo struct {
	*gitrepotest.Repo
	bare string
	url  string
}

// newRepo makes a repository of n files of 8 KiB of random text (as good as
// incompressible) plus "version", served as name.git, serving any commit by its id as
// GitHub does.
func (r *remote) newRepo(t *testing.T, name string, n int) *repo {
	t.Helper()
	files := map[string]string{"version": "1\n", "deploy/app.yaml": "kind: ConfigMap\n"}
	for i := range n {
		files[fmt.Sprintf("data/f%03d.txt", i)] = gitrepotest.RandomText(t, 8<<10)
	}
	w := gitrepotest.NewRepo(t, files)
	bare := w.Bare(t, filepath.Join(r.root, name+".git"))
	gitrepotest.Git(t, bare, "config", "uploadpack.allowAnySHA1InWant", "true")
	return &repo{Repo: w, bare: bare, url: r.srv.URL + "/" + name + ".git"}
}

// push commits files on the current branch and pushes it (forced).
func (p *repo) push(t *testing.T, msg string, files map[string]string) string {
	t.Helper()
	sha := p.Commit(t, msg, files)
	p.Git(t, "push", "-q", "-f", "origin", "HEAD")
	return sha
}

func newCache(t *testing.T, o Options) *Cache {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	if o.WorkDir == "" {
		o.WorkDir = t.TempDir()
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// checkout checks ref of url out and fails t on error; Close is on t's cleanup too.
func checkout(t *testing.T, c *Cache, url, ref string) *Checkout {
	t.Helper()
	co, err := c.Checkout(context.Background(), Request{URL: url, Ref: ref})
	if err != nil {
		t.Fatalf("checkout %s: %v", ref, err)
	}
	t.Cleanup(func() { co.Close() })
	return co
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
