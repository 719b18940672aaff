package bot

import (
	"os"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitcache"
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
	if left, _ := os.ReadDir(work); len(left) != 0 {
		t.Errorf("checkouts left behind: %v", left)
	}
}
