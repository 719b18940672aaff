package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitcache"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// TestPlanFromTheGitCache: a pull request planned from the git cache gets the comment a
// clone per job gives, its head and base stay cached, and no checkout is left behind.
func TestPlanFromTheGitCache(t *testing.T) {
	f := newCheckFixture(t, greenFeature)
	f.plan(t)
	before := f.gh.Comments("acme/fleet", 7)
	if len(before) != 1 {
		t.Fatalf("%d comments, want 1", len(before))
	}

	work := t.TempDir()
	gc, err := gitcache.New(gitcache.Options{Dir: t.TempDir(), WorkDir: work})
	if err != nil {
		t.Fatal(err)
	}
	defer gc.Close()
	f.planner.GitCache = gc
	f.plan(t)
	after := f.gh.Comments("acme/fleet", 7)
	if len(after) != 1 || after[0].Body != before[0].Body {
		t.Errorf("the plan from the cache differs from a clone's:\n%s\n---\n%s", before[0].Body, after[len(after)-1].Body)
	}
	if bytes, repos := gc.Usage(); repos != 1 || bytes == 0 {
		t.Errorf("cache holds %d repositories (%d bytes), want the one", repos, bytes)
	}
	// The checkouts read by the plan stay as idle work trees, until the cache closes.
	left, _ := os.ReadDir(work)
	for _, e := range left {
		if !strings.HasPrefix(e.Name(), "gitcache-idle-") {
			t.Errorf("checkout left behind: %s", e.Name())
		}
	}
	gc.Close()
	if left, _ := os.ReadDir(work); len(left) != 0 {
		t.Errorf("checkouts left behind: %v", left)
	}
}

// TestPlanForkFromTheGitCache: a pull request from a fork is fetched from the fork's
// clone URL by its head's sha alone (shallow: the fork's long history of big files is
// never fetched), within --max-clone-bytes; a head over it fails its plan with the
// flag named, and the cache stays usable.
func TestPlanForkFromTheGitCache(t *testing.T) {
	tests := []struct {
		name     string
		headFile string // a file of the head's commit, of random text
		headSize int
		tooLarge bool
	}{
		{name: "within the bound", headFile: "notes.txt", headSize: 1 << 10},
		{name: "over the bound", headFile: "blob.txt", headSize: 512 << 10, tooLarge: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newCheckFixture(t, greenFeature)
			forkRoot := t.TempDir()
			forkBare := filepath.Join(forkRoot, "fleet.git")
			gitrepotest.Git(t, forkRoot, "clone", "-q", "--bare", f.remote.bare, forkBare)
			gitrepotest.Git(t, forkBare, "config", "uploadpack.allowAnySHA1InWant", "true")
			w := gitrepotest.NewRepo(t, nil)
			w.Git(t, "fetch", "-q", forkBare, "feature")
			w.Git(t, "checkout", "-q", "-B", "from-fork", "FETCH_HEAD")
			// History a full clone would fetch: 4 × 256 KiB of incompressible text.
			for i := range 4 {
				w.Commit(t, fmt.Sprintf("history %d", i), map[string]string{"history.txt": randomNoise(t, 256<<10)})
			}
			w.Git(t, "rm", "-q", "history.txt")
			head := w.Commit(t, "fork head", map[string]string{
				"deploy/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  color: purple\n",
				tt.headFile:      randomNoise(t, tt.headSize),
			})
			w.Git(t, "push", "-q", forkBare, "from-fork")
			srv, err := gitrepotest.NewHTTPServer(forkRoot)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(srv.Close)
			fork := &githubtest.Repo{FullName: "mallory/fleet", GitDir: forkBare, CloneURL: srv.URL + "/fleet.git"}
			f.gh.AddRepo(fork)
			f.gh.SetPullRequest("acme/fleet", githubtest.PullRequest{Number: 7, User: "mallory", HeadSHA: head, HeadRef: "from-fork",
				BaseRef: "main", BaseSHA: f.remote.main, HeadRepo: fork})

			gc, err := gitcache.New(gitcache.Options{Dir: t.TempDir(), WorkDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			defer gc.Close()
			f.planner.GitCache = gc
			f.planner.MaxCloneBytes = 256 << 10
			err = f.planner.Plan(context.Background(), prJob{inst: 1, owner: "acme", repo: "fleet", number: 7, trigger: "test"})
			if tt.tooLarge {
				if !errors.Is(err, gitrepo.ErrTooLarge) || !strings.Contains(err.Error(), "--max-clone-bytes") || !strings.Contains(err.Error(), fork.CloneURL) {
					t.Errorf("plan of a head over the bound: %v, want ErrTooLarge naming the fork and --max-clone-bytes", err)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if c := f.gh.Comments("acme/fleet", 7); len(c) != 1 || !strings.Contains(c[0].Body, "+  color: purple") {
					t.Errorf("comments without the fork's change: %+v", c)
				}
			}
			forkCache := filepath.Join(gc.Dir(), "repos", gitcache.Key(cacheScope(1), fork.CloneURL)+".git")
			if tt.tooLarge {
				if _, err := os.Stat(filepath.Join(forkCache, "refs", "gitcache", head)); err == nil {
					t.Error("the cache keeps a head over the bound")
				}
				return
			}
			if n := strings.TrimSpace(gitrepotest.Git(t, forkCache, "rev-list", "--count", head)); n != "1" {
				t.Errorf("the fork's cached repository holds %s commits of the head's history, want 1 (shallow)", n)
			}
			if b, _ := gc.Usage(); b > 2*f.planner.MaxCloneBytes {
				t.Errorf("cache holds %d bytes: the fork's history was fetched", b)
			}
		})
	}
}

// randomNoise is n bytes of incompressible text.
func randomNoise(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n/2)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
