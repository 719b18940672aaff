package bot

import (
	"context"
	"log/slog"
	"sort"
	"sync"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/webhook"
)

// Installations tracks the App's installations and their repositories from
// installation and installation_repositories events: a repository removed from the
// App is forgotten, an installation deleted is dropped with its cached token.
type Installations struct {
	app *githubapp.App
	log *slog.Logger

	mu    sync.Mutex
	repos map[int64]map[string]bool // installation -> "owner/name"
}

// NewInstallations is an empty tracker.
func NewInstallations(app *githubapp.App, log *slog.Logger) *Installations {
	return &Installations{app: app, log: log, repos: map[int64]map[string]bool{}}
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
	defer t.mu.Unlock()
	for _, r := range repos {
		delete(t.repos[id], r.GetFullName())
	}
}

func (t *Installations) drop(id int64) {
	t.mu.Lock()
	delete(t.repos, id)
	t.mu.Unlock()
	if t.app != nil {
		t.app.Forget(id)
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
					t.drop(id)
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
