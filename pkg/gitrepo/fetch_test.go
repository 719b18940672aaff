package gitrepo

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// countingWriter counts the bytes of the responses to git-upload-pack requests: the
// packs a fetch transfers.
type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (w countingWriter) Write(p []byte) (int, error) {
	w.n.Add(int64(len(p)))
	return w.ResponseWriter.Write(p)
}

// bigFixture is newFixture plus what a busy repository (a fork, a monorepo) holds
// beside the commit a plan needs: many branches and tags with their own content, a
// branch with a big incompressible blob, one with a file that compresses to nearly
// nothing (a "zip bomb"), and a pull request head (refs/pull/7/head, as GitHub
// serves it) on no branch.
type bigFixture struct {
	*fixture
	fetched      *atomic.Int64
	big, bomb    string // tips of branches big and bomb
	pull, middle string // refs/pull/7/head; a commit on main that no ref names
	tip          string // main
	treeBomb     string // branch treebomb: a tiny tree of 65,536 empty files
}

const (
	bigBlob  = 4 << 20
	bombSize = 16 << 20
)

func newBigFixture(t *testing.T) *bigFixture {
	t.Helper()
	n := &atomic.Int64{}
	f := &bigFixture{fetched: n, fixture: newFixture(t, wrapHandler(func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/git-upload-pack") {
				w = countingWriter{ResponseWriter: w, n: n}
			}
			h.ServeHTTP(w, r)
		})
	}))}
	random := func(size int) string {
		b := make([]byte, size)
		_, _ = rand.Read(b)
		return fmt.Sprintf("%x", b)[:size]
	}
	w := f.repo
	for i := range 20 {
		w.Git(t, "checkout", "-q", "-b", fmt.Sprintf("feature-%d", i), "main")
		w.Commit(t, fmt.Sprintf("feature %d", i), map[string]string{"feature.txt": random(32 << 10)})
		w.Git(t, "tag", fmt.Sprintf("release-%d", i))
	}
	w.Git(t, "checkout", "-q", "-b", "big", "main")
	f.big = w.Commit(t, "big", map[string]string{"blob.bin": random(bigBlob)})
	w.Git(t, "checkout", "-q", "-b", "bomb", "main")
	f.bomb = w.Commit(t, "bomb", map[string]string{"zeros": strings.Repeat("0", bombSize)})
	// A tree bomb: a few kilobytes naming 16^4 empty files.
	tree := w.Git(t, "hash-object", "-w", "/dev/null")
	mode := "100644 blob"
	for range 4 {
		var b strings.Builder
		for i := range 16 {
			fmt.Fprintf(&b, "%s %s\tf%d\n", mode, tree, i)
		}
		mk := gitrepotest.Command(w.Dir, "mktree")
		mk.Stdin = strings.NewReader(b.String())
		out, err := mk.Output()
		if err != nil {
			t.Fatalf("git mktree: %v", err)
		}
		tree, mode = strings.TrimSpace(string(out)), "040000 tree"
	}
	f.treeBomb = w.Git(t, "commit-tree", "-m", "tree bomb", tree)
	w.Git(t, "branch", "treebomb", f.treeBomb)
	w.Git(t, "checkout", "-q", "-b", "pr", "main")
	f.pull = w.Commit(t, "pull request", map[string]string{"version": "pr\n"})
	w.Git(t, "push", "-q", "origin", "--all")
	w.Git(t, "push", "-q", "origin", "--tags")
	w.Git(t, "push", "-q", "origin", "pr:refs/pull/7/head", ":pr")
	w.Git(t, "checkout", "-q", "main")
	// main: first → second → middle → tip, middle named by no ref.
	f.middle = f.commit(t, "main", "version", "middle\n")
	f.tip = f.commit(t, "main", "version", "tip\n")
	return f
}

func TestOpenCommitFetchesOnlyIt(t *testing.T) {
	ctx := context.Background()
	f := newBigFixture(t)
	tests := []struct {
		name     string
		ref      func() string
		content  string
		reachSHA bool // the server lets clients want any reachable commit (GitHub does)
	}{
		{name: "a branch's tip (a fork's head)", ref: func() string { return f.tip }, content: "tip\n"},
		{name: "a pull request head no branch names", ref: func() string { return f.pull }, content: "pr\n"},
		{name: "a commit no ref names", ref: func() string { return f.middle }, content: "middle\n", reachSHA: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gitrepotest.Git(t, f.bare, "config", "uploadpack.allowReachableSHA1InWant", fmt.Sprint(tt.reachSHA))
			f.fetched.Store(0)
			r, err := Open(ctx, f.url, tt.ref())
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if got := readFile(t, filepath.Join(r.Dir(), "version")); got != tt.content {
				t.Errorf("version %q, want %q", got, tt.content)
			}
			if r.Revision() != tt.ref() {
				t.Errorf("revision %s, want %s", r.Revision(), tt.ref())
			}
			// The big blob alone is 4 MiB; the commit's own tree is a few small files.
			if n := f.fetched.Load(); n > 64<<10 {
				t.Errorf("fetched %d bytes for one commit of small files, want at most 64 KiB", n)
			}
			var refs []string
			iter, _ := r.repo.References()
			_ = iter.ForEach(func(ref *plumbing.Reference) error {
				if ref.Name() != plumbing.HEAD {
					refs = append(refs, ref.Name().String())
				}
				return nil
			})
			if len(refs) > 1 {
				t.Errorf("refs in the clone %v, want at most the one fetched", refs)
			}
			if entries, _ := os.ReadDir(filepath.Join(r.Dir(), ".git", "objects", "pack")); len(entries) > 2 {
				t.Errorf("packs %v, want one (and its index)", entries)
			}
		})
	}
}

func TestOpenMaxBytes(t *testing.T) {
	ctx := context.Background()
	f := newBigFixture(t)
	const limit = 1 << 20
	tests := []struct {
		name     string
		ref      func() string
		wantErr  string // "" for success
		wantDone string // the file content when it succeeds
	}{
		{name: "a commit within the limit", ref: func() string { return f.tip }, wantDone: "tip\n"},
		{name: "a branch within the limit", ref: func() string { return "main" }, wantDone: "tip\n"},
		{name: "a commit with a blob over the limit", ref: func() string { return f.big }, wantErr: "its fetch exceeds the limit of 1 MiB"},
		{name: "a branch with a blob over the limit", ref: func() string { return "big" }, wantErr: "its fetch exceeds the limit of 1 MiB"},
		{name: "a small pack whose files inflate over the limit", ref: func() string { return f.bomb }, wantErr: "its fetch with its files at " + f.bomb[:12] + " exceeds the limit of 1 MiB"},
		{name: "a tree of a few kilobytes naming 65,536 empty files", ref: func() string { return f.treeBomb }, wantErr: "its fetch with its files at " + f.treeBomb[:12] + " exceeds the limit of 1 MiB"},
		{name: "an abbreviated commit: every branch is fetched, within the limit no more", ref: func() string { return f.middle[:10] }, wantErr: "its fetch exceeds the limit of 1 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "clone")
			r, err := Open(ctx, f.url, tt.ref(), WithMaxBytes(limit), WithDir(dir))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				if got := readFile(t, filepath.Join(dir, "version")); got != tt.wantDone {
					t.Errorf("version %q, want %q", got, tt.wantDone)
				}
				return
			}
			if err == nil {
				r.Close()
				t.Fatalf("Open succeeded, want an error wrapping ErrTooLarge")
			}
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), f.url) {
				t.Fatalf("error %q: want ErrTooLarge naming %s and %q", err, f.url, tt.wantErr)
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Errorf("the failed clone left %d entries in %s", len(entries), dir)
			}
		})
	}
}

type refusingTransport struct{}

func (refusingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("http.DefaultTransport used")
}

// TestHTTPNeedsNoDefaultTransport: git over http(s) works with Go's default
// transport disabled, as the bot disables it process-wide.
func TestHTTPNeedsNoDefaultTransport(t *testing.T) {
	f := newFixture(t)
	// Disabled both ways: the variable replaced, and the transport it held (which
	// packages may have kept) made to refuse every connection.
	saved := http.DefaultTransport
	tr := saved.(*http.Transport)
	dial := tr.DialContext
	tr.DialContext = func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("http.DefaultTransport used")
	}
	tr.CloseIdleConnections()
	http.DefaultTransport = refusingTransport{}
	t.Cleanup(func() { http.DefaultTransport, tr.DialContext = saved, dial })
	for _, ref := range []string{"main", f.second} {
		r, err := Open(context.Background(), f.url, ref)
		if err != nil {
			t.Fatalf("open %s: %v", ref, err)
		}
		r.Close()
	}
}
