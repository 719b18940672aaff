package githubapp

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// TestDefaultBranchHead reads the default branch's commit from the spec-checked fake:
// one call, conditional when a commit is known (304 while the branch has not moved).
func TestDefaultBranchHead(t *testing.T) {
	r := gitrepotest.NewRepo(t, nil)
	bare := r.Bare(t, filepath.Join(t.TempDir(), "r.git"))
	first := r.Head(t)
	s := githubtest.NewChecked(t)
	s.AddRepo(&githubtest.Repo{FullName: "o/r", GitDir: bare})
	gh, err := NewClient(nil, "", s.URL)
	if err != nil {
		t.Fatal(err)
	}
	read := func(t *testing.T, known string) (string, int) {
		t.Helper()
		sha, err := DefaultBranchHead(context.Background(), gh, "o", "r", known)
		if err != nil {
			t.Fatalf("known %q: %v", known, err)
		}
		calls := s.Calls()
		return sha, calls[len(calls)-1].Status
	}
	second := ""
	for _, tc := range []struct {
		name   string
		move   bool
		known  func() string
		want   func() string
		status int
	}{
		{name: "nothing known", known: func() string { return "" }, want: func() string { return first }, status: http.StatusOK},
		{name: "known and unmoved", known: func() string { return first }, want: func() string { return first }, status: http.StatusNotModified},
		{name: "known, then moved", move: true, known: func() string { return first }, want: func() string { return second }, status: http.StatusOK},
		{name: "an unknown commit", known: func() string { return "0123456789012345678901234567890123456789" }, want: func() string { return second }, status: http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.move {
				second = r.Commit(t, "two", map[string]string{"b.txt": "b"})
				r.Git(t, "push", "-q", "origin", "main")
			}
			sha, status := read(t, tc.known())
			if sha != tc.want() || status != tc.status {
				t.Fatalf("got %s (answer %d), want %s (%d)", sha, status, tc.want(), tc.status)
			}
		})
	}
	if _, err := DefaultBranchHead(context.Background(), gh, "o", "missing", ""); StatusCode(err) != http.StatusNotFound {
		t.Fatalf("a missing repository: %v, want a 404", err)
	}
}
