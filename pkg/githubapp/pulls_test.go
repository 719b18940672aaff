package githubapp

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// bareRepo makes a bare repository with branches main and gitops/image/app (one commit ahead).
func bareRepo(t *testing.T) string {
	t.Helper()
	r := gitrepotest.NewRepo(t, nil)
	bare := r.Bare(t, filepath.Join(t.TempDir(), "r.git"))
	r.Commit(t, "two", nil)
	r.Git(t, "push", "-q", "origin", "HEAD:refs/heads/gitops/image/app")
	return bare
}

// TestPullRequestVerbs runs every pull request verb against the spec-checked fake:
// each request is one GitHub's description accepts, and a replay writes nothing new.
func TestPullRequestVerbs(t *testing.T) {
	ctx := context.Background()
	s := githubtest.NewChecked(t)
	s.AddRepo(&githubtest.Repo{FullName: "o/r", GitDir: bareRepo(t), CloneURL: "http://git.invalid/r.git"})
	var mu sync.Mutex
	var events []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		events = append(events, r.Header.Get("X-GitHub-Event")+" "+string(b[:strings.Index(string(b), ",")]))
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer hook.Close()
	s.DeliverWebhooks(hook.URL, []byte("secret"))
	gh, err := NewClient(nil, "", s.URL)
	if err != nil {
		t.Fatal(err)
	}

	repo, err := GetRepository(ctx, gh, "o", "r")
	if err != nil || repo.GetDefaultBranch() != "main" || repo.GetCloneURL() != "http://git.invalid/r.git" {
		t.Fatalf("repository: %v %v", repo, err)
	}
	if pr, err := FindPullRequest(ctx, gh, "o", "r", "gitops/image/app"); err != nil || pr != nil {
		t.Fatalf("find before open: %v %v", pr, err)
	}
	pr, created, err := OpenPullRequest(ctx, gh, "o", "r", NewPullRequest{Title: "Update app", Body: "b1", Head: "gitops/image/app", Base: "main"})
	if err != nil || !created || pr.GetNumber() != 1 {
		t.Fatalf("open: %v %v %v", pr, created, err)
	}
	again, created, err := OpenPullRequest(ctx, gh, "o", "r", NewPullRequest{Title: "Update app", Body: "b1", Head: "gitops/image/app", Base: "main"})
	if err != nil || created || again.GetNumber() != 1 {
		t.Fatalf("open again: %v %v %v", again, created, err)
	}
	if err := EditPullRequest(ctx, gh, "o", "r", 1, "Update app to 2", "b2"); err != nil {
		t.Fatal(err)
	}
	if err := AddLabels(ctx, gh, "o", "r", 1, []string{"dependencies"}); err != nil {
		t.Fatal(err)
	}
	if err := RequestReviewers(ctx, gh, "o", "r", 1, []string{"alice"}, []string{"platform"}); err != nil {
		t.Fatal(err)
	}
	found, err := FindPullRequest(ctx, gh, "o", "r", "gitops/image/app")
	if err != nil || found.GetNumber() != 1 || found.GetTitle() != "Update app to 2" || found.GetBody() != "b2" ||
		len(found.Labels) != 1 || len(found.RequestedReviewers) != 1 || len(found.RequestedTeams) != 1 {
		t.Fatalf("found: %+v %v", found, err)
	}
	if list, err := ListPullRequests(ctx, gh, "o", "r", "gitops/image/"); err != nil || len(list) != 1 {
		t.Fatalf("list: %v %v", list, err)
	}
	if err := ClosePullRequest(ctx, gh, "o", "r", 1, "No longer needed."); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second finds the branch gone: no error
		if err := DeleteBranch(ctx, gh, "o", "r", "gitops/image/app"); err != nil {
			t.Fatal(err)
		}
	}
	if pr, err := FindPullRequest(ctx, gh, "o", "r", "gitops/image/app"); err != nil || pr != nil {
		t.Fatalf("find after close: %v %v", pr, err)
	}
	if c := s.Comments("o/r", 1); len(c) != 1 || c[0].Body != "No longer needed." {
		t.Fatalf("comments %+v", c)
	}
	for _, c := range s.Calls() {
		if c.Status == http.StatusNotFound && c.Method != http.MethodGet {
			t.Errorf("%s %s: 404 (not in GitHub's description?)", c.Method, c.Path)
		}
	}
	if _, err := s.SendPullRequestEvent("o/r", 1, "synchronize"); err != nil {
		t.Fatal(err)
	}
	var d []string
	for _, x := range s.Deliveries() {
		d = append(d, x.Event+" "+x.Action)
	}
	if strings.Join(d, ",") != "pull_request opened,pull_request closed,pull_request synchronize" {
		t.Fatalf("deliveries %v", d)
	}
}
