package bot

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitcache"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/webhook"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// TestInstallationsForgetCachedRepositories: a repository removed from the App, or
// the installation deleted, takes its copy in the git cache with it; others stay.
func TestInstallationsForgetCachedRepositories(t *testing.T) {
	repo := func(name string) *github.Repository { return &github.Repository{FullName: github.String(name)} }
	inst := &github.Installation{ID: github.Int64(1)}
	tests := []struct {
		name  string
		event webhook.Event
		gone  bool
	}{
		{"repository removed", webhook.Event{Name: "installation_repositories", Payload: &github.InstallationRepositoriesEvent{
			Action: github.String("removed"), Installation: inst, RepositoriesRemoved: []*github.Repository{repo("acme/fleet")}}}, true},
		{"another repository removed", webhook.Event{Name: "installation_repositories", Payload: &github.InstallationRepositoriesEvent{
			Action: github.String("removed"), Installation: inst, RepositoriesRemoved: []*github.Repository{repo("acme/other")}}}, false},
		{"repository added", webhook.Event{Name: "installation_repositories", Payload: &github.InstallationRepositoriesEvent{
			Action: github.String("added"), Installation: inst, RepositoriesAdded: []*github.Repository{repo("acme/other")}}}, false},
		{"installation deleted", webhook.Event{Name: "installation", Payload: &github.InstallationEvent{
			Action: github.String("deleted"), Installation: inst}}, true},
		{"installation deleted, listing its repositories", webhook.Event{Name: "installation", Payload: &github.InstallationEvent{
			Action: github.String("deleted"), Installation: &github.Installation{ID: github.Int64(2)}, Repositories: []*github.Repository{repo("acme/fleet")}}}, true},
	}
	root := t.TempDir()
	w := gitrepotest.NewRepo(t, map[string]string{"README.md": "fleet\n"})
	w.Bare(t, filepath.Join(root, "fleet.git"))
	srv, err := gitrepotest.NewHTTPServer(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			cache, err := gitcache.New(gitcache.Options{Dir: t.TempDir(), WorkDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			defer cache.Close()
			co, err := cache.Checkout(ctx, gitcache.Request{URL: srv.URL + "/fleet.git", Name: "acme/fleet"})
			if err != nil {
				t.Fatal(err)
			}
			co.Close()
			tracker := NewInstallations(nil, cache, slog.New(slog.DiscardHandler))
			tracker.add(1, []*github.Repository{repo("acme/fleet")})
			rs := Routes{}
			if err := tracker.addRoutes(rs); err != nil {
				t.Fatal(err)
			}
			job, ok := rs[tt.event.Name](tt.event)
			if !ok {
				t.Fatal("no job")
			}
			if err := job.Run(ctx); err != nil {
				t.Fatal(err)
			}
			if _, n := cache.Usage(); (n == 0) != tt.gone {
				t.Errorf("%d repositories cached after the event, want gone %v", n, tt.gone)
			}
		})
	}
}
