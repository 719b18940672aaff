package bot

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/registryevent"
)

// pendingBump is what the queued bump of one repository will do when it starts: the
// images registry events reported, and the tag lister of the newest batch among them.
type pendingBump struct {
	images map[string]bool
	tags   images.TagLister
}

// ImagesPushed is bot.Config.ImagesPushed: for each image pushed, it queues a bump
// of only the repositories whose default branch automates it (from the index; never
// a scan of everything), limited to the images reported. Identical events of one
// batch count once. A repository's bump already waiting in the queue takes the new
// images too (one job per repository: the queued work is superseded, never
// duplicated). All the bumps of one batch share one SharedTags, so an image's tags
// are listed once however many repositories use it. A full queue is an error
// wrapping ErrQueueFull (the sender is answered 503 and delivers again; what was
// queued stays queued, and a redelivery merges with it).
func (a *BumpScheduler) ImagesPushed(_ context.Context, events []registryevent.Event) error {
	seen := map[string]bool{}
	var imgs []string
	for _, ev := range events {
		if ev.Repository == "" {
			continue
		}
		im := canonicalImage(ev.Repository)
		if seen[im] {
			a.cfg.Metrics.events.WithLabelValues("duplicate").Inc()
			continue
		}
		seen[im] = true
		imgs = append(imgs, im)
	}
	byRepo := map[RepoRef][]string{}
	for _, im := range imgs {
		repos := a.index.Repos(im)
		if len(repos) == 0 {
			a.cfg.Metrics.events.WithLabelValues("unused").Inc()
			a.cfg.Log.Debug("image automation: pushed image automated by no repository", "image", im)
			continue
		}
		a.cfg.Log.Info("image automation: pushed image", "image", im, "repositories", len(repos))
		for _, r := range repos {
			byRepo[r] = append(byRepo[r], im)
		}
	}
	repos := make([]RepoRef, 0, len(byRepo))
	for r := range byRepo {
		repos = append(repos, r)
	}
	sortRepos(repos)
	tags := NewSharedTags(a.cfg.Registry, a.cfg.Metrics.tagList("event"))
	var errs []error
	for _, r := range repos {
		if err := a.queueBump(r, byRepo[r], tags); err != nil {
			errs = append(errs, err)
		}
	}
	outcome := "queued"
	if len(errs) > 0 {
		outcome = "busy"
	}
	a.cfg.Metrics.events.WithLabelValues(outcome).Add(float64(len(imgs)))
	if len(errs) > 0 {
		return fmt.Errorf("image automation: %d of %d repositories not queued: %w", len(errs), len(repos), errors.Join(errs...))
	}
	return nil
}

// queueBump adds imgs to repo's pending bump, queueing its job unless one waits.
func (a *BumpScheduler) queueBump(r RepoRef, imgs []string, tags images.TagLister) error {
	a.mu.Lock()
	defer a.mu.Unlock() // held over Push (which never blocks), so no event sees a pending bump that is not queued
	p, waiting := a.pending[r]
	if !waiting {
		p = &pendingBump{images: map[string]bool{}}
	}
	for _, im := range imgs {
		p.images[im] = true
	}
	p.tags = tags // the newest batch: it lists after every event it merges arrived
	if waiting {
		return nil
	}
	if a.cfg.Push == nil {
		return fmt.Errorf("queue the image bump of %s: %w", r.FullName(), ErrQueueClosed)
	}
	if err := a.cfg.Push(a.bumpJob(r)); err != nil {
		return fmt.Errorf("queue the image bump of %s: %w", r.FullName(), err)
	}
	a.pending[r] = p
	return nil
}

// bumpJob is the queued bump of r for registry events: it takes what is pending when
// it starts.
func (a *BumpScheduler) bumpJob(r RepoRef) Job {
	return Job{Key: r.FullName() + ":images", Kind: "images", Installation: r.Installation, Run: func(ctx context.Context) error {
		a.mu.Lock()
		p := a.pending[r]
		delete(a.pending, r)
		a.mu.Unlock()
		if p == nil {
			return nil
		}
		only := make([]string, 0, len(p.images))
		for im := range p.images {
			only = append(only, im)
		}
		sort.Strings(only)
		_, err := a.bump(ctx, "event", r, only, p.tags)
		return err
	}}
}
