package bot

import (
	"context"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/webhook"
)

// addHandlers registers image automation's handlers in hs: "push" (a push to a
// default branch re-reads that repository's images into the index, and bumps it
// when BumpOnPush is set), and, chained after hs's own, "installation" and
// "installation_repositories" so that the index follows repositories added and
// removed.
func (a *Automator) addHandlers(hs Handlers) error {
	if err := hs.Add("push", a.pushHandler); err != nil {
		return err
	}
	hs.Chain("installation", a.installationHandler)
	hs.Chain("installation_repositories", a.installationReposHandler)
	return nil
}

func (a *Automator) pushHandler(ev webhook.Event) (Job, bool) {
	e, ok := ev.Payload.(*github.PushEvent)
	if !ok {
		return Job{}, false
	}
	def := e.GetRepo().GetDefaultBranch()
	if def == "" || e.GetRef() != "refs/heads/"+def || e.GetDeleted() {
		return Job{}, false // only the default branch says what is automated
	}
	r, ok := repoRef(ev.Installation, e.GetRepo().GetFullName())
	if !ok {
		return Job{}, false
	}
	return Job{Key: r.FullName() + ":push", Kind: "push", Installation: r.Installation, Run: func(ctx context.Context) error {
		imgs, err := a.indexRepo(ctx, r)
		a.cfg.Metrics.index(a.index)
		if err != nil || !a.cfg.BumpOnPush || len(imgs) == 0 {
			return err
		}
		_, err = a.bump(ctx, "push", r, nil, NewSharedTags(a.cfg.Registry, a.cfg.Metrics.tagList("push")))
		return err
	}}, true
}

func (a *Automator) installationHandler(ev webhook.Event) (Job, bool) {
	e, ok := ev.Payload.(*github.InstallationEvent)
	if !ok {
		return Job{}, false
	}
	id := e.GetInstallation().GetID()
	switch e.GetAction() {
	case "created", "unsuspend", "new_permissions_accepted":
		return a.indexJob(ev, refs(id, e.Repositories)), true
	case "deleted", "suspend":
		return Job{Key: "installation/" + ev.Delivery, Kind: ev.Name, Installation: ev.Installation, Run: func(context.Context) error {
			a.index.RemoveInstallation(id)
			a.cfg.Metrics.index(a.index)
			return nil
		}}, true
	}
	return Job{}, false
}

func (a *Automator) installationReposHandler(ev webhook.Event) (Job, bool) {
	e, ok := ev.Payload.(*github.InstallationRepositoriesEvent)
	if !ok {
		return Job{}, false
	}
	id := e.GetInstallation().GetID()
	removed := refs(id, e.RepositoriesRemoved)
	j := a.indexJob(ev, refs(id, e.RepositoriesAdded))
	run := j.Run
	j.Run = func(ctx context.Context) error {
		for _, r := range removed {
			a.index.Remove(r)
		}
		return run(ctx)
	}
	return j, true
}

// indexJob reads the images of repos (added to the App) into the index.
func (a *Automator) indexJob(ev webhook.Event, repos []RepoRef) Job {
	return Job{Key: "installation/" + ev.Delivery, Kind: ev.Name, Installation: ev.Installation, Run: func(ctx context.Context) error {
		a.indexRepos(ctx, repos)
		return nil
	}}
}

func refs(inst int64, repos []*github.Repository) []RepoRef {
	var out []RepoRef
	for _, r := range repos {
		if ref, ok := repoRef(inst, r.GetFullName()); ok {
			out = append(out, ref)
		}
	}
	return out
}

// repoRef splits "owner/name".
func repoRef(inst int64, fullName string) (RepoRef, bool) {
	owner, name, ok := strings.Cut(fullName, "/")
	if !ok || owner == "" || name == "" || inst == 0 {
		return RepoRef{}, false
	}
	return RepoRef{Installation: inst, Owner: owner, Name: name}, true
}
