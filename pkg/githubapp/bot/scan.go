package bot

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultReindexInterval is how often every replica re-reads the images of every
// installed repository, to learn of pushes to default branches that another replica
// received.
const DefaultReindexInterval = 30 * time.Minute

// ScanReport is what one periodic scan did.
type ScanReport struct {
	Repos    int   // repositories bumped
	Failed   int   // of them, failed
	Problems int   // images not bumped (with file and line, in the log)
	TagLists int64 // tag lists read: one per image, however many repositories use it
	Duration time.Duration
	Aborted  bool // ctx ended first
}

// Scan bumps every repository with automated images (and first re-reads those whose
// images could not be read before), with one SharedTags for the whole scan: each
// image's tags are listed once, shared by every repository that uses it. One
// repository or registry failing never stops the others; each failure is logged with
// its repository (and image).
func (a *BumpScheduler) Scan(ctx context.Context) ScanReport {
	start := time.Now()
	if failed := a.index.FailedRepos(); len(failed) > 0 {
		a.indexRepos(ctx, failed)
	}
	repos := a.index.Automated()
	tags := NewSharedTags(a.cfg.Registry, a.cfg.Metrics.tagList("scan"))
	var failedN, problems atomic.Int64
	forEach(ctx, a.cfg.Concurrency, repos, func(r RepoRef) {
		res, err := a.bump(ctx, "scan", r, nil, tags)
		if err != nil {
			failedN.Add(1)
		}
		if res != nil {
			problems.Add(int64(len(res.Problems)))
		}
	})
	rep := ScanReport{Repos: len(repos), Failed: int(failedN.Load()), Problems: int(problems.Load()),
		TagLists: tags.Listings(), Duration: time.Since(start), Aborted: ctx.Err() != nil}
	outcome := "success"
	switch {
	case rep.Aborted:
		outcome = "aborted"
	case rep.Failed > 0 || rep.Problems > 0 || tags.Failures() > 0:
		outcome = "partial"
	}
	a.cfg.Metrics.scans.WithLabelValues(outcome).Inc()
	a.cfg.Metrics.scanDuration.Observe(rep.Duration.Seconds())
	a.cfg.Log.Info("image automation: scan done", "outcome", outcome, "repositories", rep.Repos, "failed", rep.Failed,
		"problems", rep.Problems, "tagLists", rep.TagLists, "duration", rep.Duration.Round(time.Millisecond))
	return rep
}

// Run builds the index, then until ctx ends: while this replica leads (el), scans
// every interval, the first scan at once; every replica, leader or not, re-reads the
// images of every installed repository every reindex (DefaultReindexInterval when 0),
// so that registry events it serves reach repositories whose push another replica
// received. interval <= 0 turns the periodic scan off (events and pushes still work).
func (a *BumpScheduler) Run(ctx context.Context, interval, reindex time.Duration, el Elector) {
	defer a.saveIndex(true) // what pushes and bumps changed since the last build
	if err := a.BuildIndex(ctx); err != nil && ctx.Err() != nil {
		return
	}
	if reindex <= 0 {
		reindex = DefaultReindexInterval
	}
	var wg sync.WaitGroup
	wg.Go(func() { a.every(ctx, reindex, false, func(ctx context.Context) { _ = a.BuildIndex(ctx) }) })
	if interval > 0 {
		el.Run(ctx, func(lctx context.Context) {
			a.leading.Store(true)
			a.cfg.Metrics.SetLeader(true)
			a.cfg.Log.Info("image automation: leading: the periodic scan runs in this replica", "interval", interval)
			defer func() {
				a.leading.Store(false)
				a.cfg.Metrics.SetLeader(false)
				a.cfg.Log.Info("image automation: no longer leading")
			}()
			a.every(lctx, interval, true, func(ctx context.Context) { a.Scan(ctx) })
		})
	}
	wg.Wait()
}

// Leading reports whether this replica runs the periodic scan now.
func (a *BumpScheduler) Leading() bool { return a.leading.Load() }

// every calls f every d (at once first when now) until ctx ends.
func (a *BumpScheduler) every(ctx context.Context, d time.Duration, now bool, f func(context.Context)) {
	t := time.NewTicker(d)
	defer t.Stop()
	if now {
		f(ctx)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f(ctx)
		}
	}
}
