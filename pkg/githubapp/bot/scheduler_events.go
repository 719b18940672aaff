package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/webhook"
)

// addRoutes registers image automation's routes in rs: "push" (a push to a
// default branch re-reads that repository's images into the index, and bumps it
// when BumpOnPush is set), and, chained after rs's own, "installation" and
// "installation_repositories" so that the index follows repositories added and
// removed.
func (a *BumpScheduler) addRoutes(rs Routes) error {
	if err := rs.Add("push", a.pushRoute); err != nil {
		return err
	}
	rs.Chain("installation", a.installationRoute)
	rs.Chain("installation_repositories", a.installationReposRoute)
	return nil
}

func (a *BumpScheduler) pushRoute(ev webhook.Event) (Job, bool) {
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
		head := e.GetAfter() // the pushed commit: no need to ask
		if !isCommitSHA(head) {
			head = ""
		}
		imgs, _, err := a.indexRepoAt(ctx, r, head)
		a.cfg.Metrics.index(a.index)
		if err != nil || !a.cfg.BumpOnPush || len(imgs) == 0 {
			return err
		}
		_, err = a.bump(ctx, "push", r, nil, NewSharedTags(a.cfg.Registry, a.cfg.Metrics.tagList("push")))
		return err
	}}, true
}

func (a *BumpScheduler) installationRoute(ev webhook.Event) (Job, bool) {
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

func (a *BumpScheduler) installationReposRoute(ev webhook.Event) (Job, bool) {
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

// indexJob reads the images of repos (added to the App) into the index. With
// Background, the job only queues a background job per repository
// ("owner/name:index-added"), so an installation of many repositories never holds a
// worker that webhooks' jobs need.
func (a *BumpScheduler) indexJob(ev webhook.Event, repos []RepoRef) Job {
	return Job{Key: "installation/" + ev.Delivery, Kind: ev.Name, Installation: ev.Installation, Run: func(ctx context.Context) error {
		if a.cfg.Background == nil {
			a.indexRepos(ctx, repos)
			return nil
		}
		var errs []error
		for _, r := range repos {
			err := a.cfg.Background(Job{Key: r.FullName() + ":index-added", Kind: "index", Installation: r.Installation, Run: func(ctx context.Context) error {
				_, err := a.indexRepo(ctx, r)
				a.cfg.Metrics.index(a.index)
				return err
			}})
			if err != nil {
				a.index.Failed(r) // the next scan reads it
				errs = append(errs, fmt.Errorf("queue the reading of %s's images: %w", r.FullName(), err))
			}
		}
		return errors.Join(errs...)
	}}
}
