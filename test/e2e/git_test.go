package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// gitServer serves bare repositories under root over smart HTTP (git http-backend).
func gitServer(t *testing.T, root string) *httptest.Server {
	t.Helper()
	srv, err := gitrepotest.NewHTTPServer(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// remoteRepo is a work tree pushing to a bare repository served over HTTP.
func remoteRepo(t *testing.T, files map[string]string) (*gitrepotest.Repo, string, string) {
	t.Helper()
	root := t.TempDir()
	r := gitrepotest.NewRepo(t, files)
	bare := r.Bare(t, filepath.Join(root, "fleet.git"))
	srv := gitServer(t, root)
	return r, srv.URL + "/fleet.git", bare
}

// TestGitURLSourceAndSyncTag applies a ref of a remote repository, records its commit
// and moves a sync tag on the remote; a ref that does not exist writes nothing.
func TestGitURLSourceAndSyncTag(t *testing.T) {
	ns := "gitsrc"
	r, url, bare := remoteRepo(t, map[string]string{
		"clusters/prod/ns.yaml": sprintf(nsShop, ns),
		"clusters/prod/cm.yaml": cm("fleet", ns, "env: prod"),
		"clusters/dev/cm.yaml":  cm("dev-only", ns, "env: dev"),
	})
	head := r.Head(t)

	res := gitops(t, "apply", url, "--ref", "main", "--path", "clusters/prod", "--applyset", "gitsrc", "--git-sync-tag", "deployed")
	if res.code != 0 {
		t.Fatalf("apply from URL: %s", res)
	}
	if _, err := kube(t).CoreV1().ConfigMaps(ns).Get(context.Background(), "dev-only", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("--path clusters/prod applied clusters/dev too: %v", err)
	}
	tag, err := gitrepotest.Command(bare, "rev-parse", "deployed").Output()
	if err != nil || strings.TrimSpace(string(tag)) != head {
		t.Fatalf("sync tag = %q (%v), want %s", tag, err, head)
	}
	st := gitops(t, "status", "--applyset", "gitsrc", "-o", "json")
	var rep struct {
		Revision string `json:"revision"`
		Source   string `json:"source"`
	}
	if err := json.Unmarshal([]byte(st.out), &rep); err != nil || rep.Revision != head || !strings.Contains(rep.Source, "fleet.git") {
		t.Fatalf("status: %+v %v\n%s", rep, err, st)
	}

	res = gitops(t, "apply", url, "--ref", "no-such-branch", "--applyset", "gitsrc-missing")
	if res.code != 2 || !strings.Contains(res.err, "no-such-branch") || !strings.Contains(res.err, "not found") {
		t.Fatalf("missing ref: want exit 2 naming the ref\n%s", res)
	}
}

// TestIntervalLoop keeps applying: a commit pushed while the loop runs reaches the cluster.
func TestIntervalLoop(t *testing.T) {
	ns := "loop"
	r, url, _ := remoteRepo(t, map[string]string{
		"ns.yaml": sprintf(nsShop, ns),
		"cm.yaml": cm("loop", ns, "v: one"),
	})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var res result
	wg.Add(1)
	go func() {
		defer wg.Done()
		res = gitopsCtx(ctx, t, "apply", url, "--applyset", "loop", "--interval", "500ms", "--progress", "none")
	}()
	waitFor(t, "first apply", func() bool { return cmData(t, ns, "loop", "v") == "one" })
	r.Write(t, map[string]string{"cm.yaml": cm("loop", ns, "v: two")})
	r.Commit(t, "two", nil)
	r.Git(t, "push", "-q", "origin", "main")
	waitFor(t, "the pushed commit", func() bool { return cmData(t, ns, "loop", "v") == "two" })
	cancel()
	wg.Wait()
	if res.code != 0 {
		t.Fatalf("loop ended with %s", res)
	}
}

// TestCommitStatus posts pending, then success with counts, to a recording GitHub API.
func TestCommitStatus(t *testing.T) {
	type call struct{ Path, State, Context, Description, Auth string }
	var (
		mu    sync.Mutex
		calls []call
	)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var s struct{ State, Context, Description string }
		_ = json.Unmarshal(body, &s)
		mu.Lock()
		calls = append(calls, call{r.URL.Path, s.State, s.Context, s.Description, r.Header.Get("Authorization")})
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":1,"state":"` + s.State + `"}`))
	}))
	defer api.Close()
	t.Setenv("GITHUB_TOKEN", "test-token")
	t.Setenv("GITHUB_REPOSITORY", "acme/fleet")

	ns := "status"
	r := gitrepotest.NewRepo(t, map[string]string{"ns.yaml": sprintf(nsShop, ns), "cm.yaml": cm("s", ns, "a: b")})
	sha := r.Head(t)
	res := gitops(t, "apply", r.Dir, "--applyset", "status", "--github-status", "--github-api-url", api.URL+"/")
	if res.code != 0 {
		t.Fatalf("apply: %s", res)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 2 {
		t.Fatalf("want 2 status calls, got %+v", calls)
	}
	for i, want := range []string{"pending", "success"} {
		c := calls[i]
		if c.Path != "/repos/acme/fleet/statuses/"+sha || c.State != want || c.Context != "gitops/apply" || c.Auth != "Bearer test-token" {
			t.Errorf("call %d = %+v, want state %s on %s", i, c, want, sha)
		}
	}
	if !strings.Contains(calls[1].Description, "2 created") {
		t.Errorf("success description %q lacks the counts", calls[1].Description)
	}
}

func cmData(t *testing.T, ns, name, key string) string {
	t.Helper()
	c, err := kube(t).CoreV1().ConfigMaps(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return ""
	}
	return c.Data[key]
}

// waitFor polls cond until it holds, failing after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
