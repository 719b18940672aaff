package bot

import (
	"context"
	"log/slog"
	"slices"
	"sort"
	"sync"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitcache"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/webhook"
)

// Installations tracks the App's installations and their repositories from
// installation and installation_repositories events: a repository removed from the
// App is forgotten, an installation deleted is dropped with its cached token. With a
// git cache, the cached repositories of both go too (gitcache.Cache.ForgetName, by
// the full name the planner and the bumper check them out under).
type Installations struct {
	app   *githubapp.App
	log   *slog.Logger
	cache *gitcache.Cache // nil: no git cache

	mu    sync.Mutex
	repos map[int64]map[string]bool // installation -> "owner/name"
}

// NewInstallations is an empty tracker; cache (nil: none) is the bot's git cache.
func NewInstallations(app *githubapp.App, cache *gitcache.Cache, log *slog.Logger) *Installations {
	return &Installations{app: app, cache: cache, log: log, repos: map[int64]map[string]bool{}}
}

// Repos lists the repositories of installation id, sorted.
func (t *Installations) Repos(id int64) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for r := range t.repos[id] {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// Known reports whether repo is served through installation id.
func (t *Installations) Known(id int64, repo string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.repos[id][repo]
}

func (t *Installations) add(id int64, repos []*github.Repository) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.repos[id] == nil {
		t.repos[id] = map[string]bool{}
	}
	for _, r := range repos {
		t.repos[id][r.GetFullName()] = true
	}
}

func (t *Installations) remove(id int64, repos []*github.Repository) {
	t.mu.Lock()
	var names []string
	for _, r := range repos {
		delete(t.repos[id], r.GetFullName())
		names = append(names, r.GetFullName())
	}
	t.mu.Unlock()
	t.forget(names)
}

// drop forgets installation id: its token, and the cached repositories of those it
// had (known from earlier events, and those the event lists).
func (t *Installations) drop(id int64, repos []*github.Repository) {
	t.mu.Lock()
	names := make([]string, 0, len(t.repos[id])+len(repos))
	for n := range t.repos[id] {
		names = append(names, n)
	}
	delete(t.repos, id)
	t.mu.Unlock()
	for _, r := range repos {
		names = append(names, r.GetFullName())
	}
	if t.app != nil {
		t.app.Forget(id)
	}
	t.forget(names)
}

// forget removes the git cache's repositories of names, which the App can no longer
// read: removed now, or when the jobs using them end.
func (t *Installations) forget(names []string) {
	if t.cache == nil {
		return
	}
	sort.Strings(names)
	for _, n := range slices.Compact(names) {
		if k := t.cache.ForgetName(n); k > 0 {
			t.log.Info("git cache: forgot a repository the App can no longer read", "repository", n, "cached", k)
		}
	}
}

// addRoutes registers the routes of installation events in rs; their jobs change
// only memory, so they run at once.
func (t *Installations) addRoutes(rs Routes) error {
	job := func(ev webhook.Event, run func()) (Job, bool) {
		return Job{Key: "installation/" + ev.Delivery, Kind: ev.Name, Installation: ev.Installation, Run: func(context.Context) error { run(); return nil }}, true
	}
	return rs.addAll(Routes{
		"installation": func(ev webhook.Event) (Job, bool) {
			e, ok := ev.Payload.(*github.InstallationEvent)
			if !ok {
				return Job{}, false
			}
			id := e.GetInstallation().GetID()
			return job(ev, func() {
				switch e.GetAction() {
				case "created", "unsuspend", "new_permissions_accepted":
					t.add(id, e.Repositories)
				case "deleted", "suspend":
					t.drop(id, e.Repositories)
				}
				t.log.Info("installation", "action", e.GetAction(), "installation", id, "repositories", len(e.Repositories))
			})
		},
		"installation_repositories": func(ev webhook.Event) (Job, bool) {
			e, ok := ev.Payload.(*github.InstallationRepositoriesEvent)
			if !ok {
				return Job{}, false
			}
			id := e.GetInstallation().GetID()
			return job(ev, func() {
				t.add(id, e.RepositoriesAdded)
				t.remove(id, e.RepositoriesRemoved)
				t.log.Info("installation repositories", "installation", id, "added", len(e.RepositoriesAdded), "removed", len(e.RepositoriesRemoved))
			})
		},
	})
}
