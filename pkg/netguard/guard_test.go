package netguard_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/netguard"
)

// counter is a loopback server that counts the requests it gets.
func counter(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte("secret answer"))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestMain(m *testing.M) {
	netguard.Close()
	os.Exit(m.Run())
}

func TestDefaultTransportRefuses(t *testing.T) {
	srv, hits := counter(t)
	for name, get := range map[string]func() (*http.Response, error){
		"http.Get":           func() (*http.Response, error) { return http.Get(srv.URL) },
		"http.DefaultClient": func() (*http.Response, error) { return http.DefaultClient.Get(srv.URL) },
		"a client without a transport": func() (*http.Response, error) {
			return (&http.Client{}).Get(srv.URL)
		},
		"a clone of the default transport": func() (*http.Response, error) {
			return (&http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}).Get(srv.URL)
		},
	} {
		t.Run(name, func(t *testing.T) {
			resp, err := get()
			if err == nil {
				resp.Body.Close()
				t.Fatal("the request went through")
			}
			if !errors.Is(err, netguard.ErrNoNetwork) {
				t.Fatalf("error %v, want ErrNoNetwork", err)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the server got %d requests, want 0", n)
	}
}

func TestExplicitClientWorks(t *testing.T) {
	srv, hits := counter(t)
	resp, err := netguard.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if hits.Load() != 1 {
		t.Fatalf("hits %d, want 1", hits.Load())
	}
}

// TestGitProtocolsClosed: a git process started with this process's environment (as
// Kustomize starts `git fetch` for a remote base) may use no transport, while one
// started with Environ may.
func TestGitProtocolsClosed(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is required")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	run := func(env []string, args ...string) (string, error) {
		cmd := exec.Command("git", args...)
		cmd.Env = env
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run(netguard.Environ(), "init", "-q", "--bare", src); err != nil {
		t.Fatal(out)
	}
	for name, url := range map[string]string{"file": "file://" + src, "local path": src} {
		t.Run(name, func(t *testing.T) {
			out, err := run(os.Environ(), "clone", "-q", url, filepath.Join(dir, "inherited-"+strings.ReplaceAll(name, " ", "-")))
			if err == nil || !strings.Contains(out, "not allowed") {
				t.Fatalf("clone with the inherited environment: err %v, output %q; want transport not allowed", err, out)
			}
			if out, err := run(netguard.Environ(), "clone", "-q", url, filepath.Join(dir, "user-"+strings.ReplaceAll(name, " ", "-"))); err != nil {
				t.Fatalf("clone with Environ: %v: %s", err, out)
			}
		})
	}
}
