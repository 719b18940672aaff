package gitrepo

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// mirrorRemote is a repository of n files of 8 KiB of random text (as good as
// incompressible) served by git http-backend as GitHub serves it (a commit wanted by
// its sha is served when a ref reaches it), counting the bytes of its upload-pack
// answers: the packs fetches take.
type mirrorRemote struct {
	repo    *gitrepotest.Repo
	url     string
	fetched *atomic.Int64
}

func newMirrorRemote(t *testing.T, n int) *mirrorRemote {
	t.Helper()
	if _, err := os.Stat(gitHTTPBackend); err != nil {
		t.Skipf("git-http-backend not available: %v", err)
	}
	files := map[string]string{"version": "1\n"}
	for i := range n {
		files[fmt.Sprintf("data/f%03d.txt", i)] = gitrepotest.RandomText(t, 8<<10)
	}
	root := t.TempDir()
	w := gitrepotest.NewRepo(t, files)
	bare := w.Bare(t, filepath.Join(root, "repo.git"))
	gitrepotest.Git(t, bare, "config", "uploadpack.allowReachableSHA1InWant", "true")
	srv, err := gitrepotest.NewHTTPServer(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	n64 := &atomic.Int64{}
	counting := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/git-upload-pack") {
			rw = countingWriter{ResponseWriter: rw, n: n64}
		}
		srv.Config.Handler.ServeHTTP(rw, r)
	})
	front := httptest.NewServer(counting)
	t.Cleanup(front.Close)
	return &mirrorRemote{repo: w, url: front.URL + "/repo.git", fetched: n64}
}

// push commits files on the current branch and pushes it.
func (m *mirrorRemote) push(t *testing.T, msg string, files map[string]string) string {
	t.Helper()
	sha := m.repo.Commit(t, msg, files)
	m.repo.Git(t, "push", "-q", "-f", "origin", "HEAD")
	return sha
}

// fetch is FetchCommit of sha into bare; it returns the bytes the remote sent.
func (m *mirrorRemote) fetch(t *testing.T, bare, sha string, opts ...Option) int64 {
	t.Helper()
	before := m.fetched.Load()
	if _, err := FetchCommit(context.Background(), bare, m.url, sha, opts...); err != nil {
		t.Fatalf("fetch %s: %v", sha[:12], err)
	}
	return m.fetched.Load() - before
}

// checkOut checks sha of bare out into a new directory and returns its file name's
// content.
func checkOut(t *testing.T, bare, sha, name string) string {
	t.Helper()
	dir := t.TempDir()
	wt, err := AddWorktree(context.Background(), bare, sha, dir, "test", 0)
	if err != nil {
		t.Fatalf("check out %s: %v", sha[:12], err)
	}
	t.Cleanup(func() { _ = wt.Remove() })
	return readFile(t, filepath.Join(dir, filepath.FromSlash(name)))
}

func TestFetchCommitIncremental(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, m *mirrorRemote, bare string, cold int64)
	}{
		{name: "a head one commit ahead of a cached commit costs kilobytes", run: func(t *testing.T, m *mirrorRemote, bare string, cold int64) {
			head := m.push(t, "one file", map[string]string{"version": "2\n"})
			warm := m.fetch(t, bare, head)
			t.Logf("cold fetch (depth 1): %d bytes; the next commit: %d bytes", cold, warm)
			if warm > 16<<10 || warm*50 > cold {
				t.Errorf("the next commit took %d bytes, want kilobytes (the tree took %d)", warm, cold)
			}
			if v := checkOut(t, bare, head, "version"); v != "2\n" {
				t.Errorf("version %q at the head", v)
			}
		}},
		{name: "a head ten commits ahead", run: func(t *testing.T, m *mirrorRemote, bare string, cold int64) {
			var head string
			for i := range 10 {
				head = m.push(t, "commit", map[string]string{"version": fmt.Sprintf("%d\n", i+2)})
			}
			if warm := m.fetch(t, bare, head); warm > 32<<10 {
				t.Errorf("ten small commits took %d bytes (the tree took %d)", warm, cold)
			}
			if v := checkOut(t, bare, head, "version"); v != "11\n" {
				t.Errorf("version %q at the head", v)
			}
		}},
		{name: "a head on an older commit than the cached one: the files the remote took for had are fetched", run: func(t *testing.T, m *mirrorRemote, bare string, cold int64) {
			first := m.repo.Head(t)
			// main moves on and the cache holds its tip, without its history (shallow).
			m.push(t, "main changes f001", map[string]string{"data/f001.txt": "changed on main\n"})
			tip := m.push(t, "main changes f002", map[string]string{"data/f002.txt": "changed on main\n"})
			bare = filepath.Join(t.TempDir(), "cache.git")
			m.fetch(t, bare, tip)
			// A pull request made from the first commit: its tree has f001 and f002 as
			// they were there, which the remote takes the cache to hold (an ancestor of a
			// commit it has), and which it does not.
			m.repo.Git(t, "checkout", "-q", "-b", "pr", first)
			head := m.push(t, "pull request", map[string]string{"version": "pr\n"})
			m.fetch(t, bare, head)
			if v := checkOut(t, bare, head, "data/f001.txt"); v == "changed on main\n" {
				t.Error("the head's f001 is main's")
			}
			if v := checkOut(t, bare, head, "version"); v != "pr\n" {
				t.Errorf("version %q at the head", v)
			}
		}},
		{name: "a commit far from the cached ones is fetched alone, within the whole limit", run: func(t *testing.T, m *mirrorRemote, bare string, cold int64) {
			// 2 MiB of new text (a pack of 1.5 MiB): past a quarter of the 4 MiB limit,
			// within it with the rest of the tree.
			head := m.push(t, "big", map[string]string{"big.txt": gitrepotest.RandomText(t, 2<<20)})
			const limit = 4 << 20
			before := m.fetched.Load()
			n, err := FetchCommit(context.Background(), bare, m.url, head, WithMaxBytes(limit))
			if err != nil {
				t.Fatalf("fetch: %v", err)
			}
			if sent := m.fetched.Load() - before; sent < cold {
				t.Errorf("the remote sent %d bytes, want the incremental try and the whole tree (≥ %d)", sent, cold)
			}
			if n < cold || n > limit {
				t.Errorf("the fetch counts %d bytes, want the tree's alone (%d..%d)", n, cold, limit)
			}
			if v := checkOut(t, bare, head, "version"); v != "1\n" {
				t.Errorf("version %q at the head", v)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMirrorRemote(t, 200) // ≈ 1.6 MiB of files
			bare := filepath.Join(t.TempDir(), "cache.git")
			cold := m.fetch(t, bare, m.repo.Head(t))
			tt.run(t, m, bare, cold)
		})
	}
}
