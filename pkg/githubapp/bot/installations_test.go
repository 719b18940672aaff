package bot

import (
	"context"
	"errors"
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
	url := fleetRemote(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			cache := cachedFleet(t, url)
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

// TestBuildIndexForgetsUnlistedCachedRepositories: a repository removed from the App
// while the bot was down (no event seen) leaves the git cache at the next index build,
// when the listing of every installation succeeded; a failed listing forgets nothing.
func TestBuildIndexForgetsUnlistedCachedRepositories(t *testing.T) {
	other := RepoRef{Installation: 1, Owner: "acme", Name: "other"}
	tests := []struct {
		name    string
		listed  []RepoRef
		listErr error
		gone    bool
	}{
		{"still installed (other case)", []RepoRef{{Installation: 1, Owner: "ACME", Name: "Fleet"}, other}, nil, false},
		{"removed while the bot was down", []RepoRef{other}, nil, true},
		{"installation deleted: nothing listed", nil, nil, true},
		{"listing failed for an installation", []RepoRef{other}, errors.New("installation 1: 502"), false},
	}
	url := fleetRemote(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			cache := cachedFleet(t, url)
			a, err := NewBumpScheduler(BumpSchedulerConfig{Bumper: &fakeBumper{}, Registry: &countingRegistry{}, GitCache: cache,
				Repos: func(context.Context) ([]RepoRef, error) { return tt.listed, tt.listErr },
				Log:   slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			_ = a.BuildIndex(ctx)
			if _, n := cache.Usage(); (n == 0) != tt.gone {
				t.Errorf("%d repositories cached after the build, want gone %v", n, tt.gone)
			}
		})
	}
}

// fleetRemote is a repository on git http-backend; it returns its URL.
func fleetRemote(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	w := gitrepotest.NewRepo(t, map[string]string{"README.md": "fleet\n"})
	w.Bare(t, filepath.Join(root, "fleet.git"))
	srv, err := gitrepotest.NewHTTPServer(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv.URL + "/fleet.git"
}

// cachedFleet is a new git cache holding url's default branch as acme/fleet, read by installation 1.
func cachedFleet(t *testing.T, url string) *gitcache.Cache {
	t.Helper()
	cache, err := gitcache.New(gitcache.Options{Dir: t.TempDir(), WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cache.Close() })
	co, err := cache.Checkout(context.Background(), gitcache.Request{URL: url, Name: "acme/fleet", Scope: cacheScope(1)})
	if err != nil {
		t.Fatal(err)
	}
	co.Close()
	return cache
}
