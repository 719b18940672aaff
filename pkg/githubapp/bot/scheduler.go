package bot

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitcache"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
)

// BumpSchedulerConfig is what a BumpScheduler needs.
type BumpSchedulerConfig struct {
	// Bumper reads repositories' automated images and makes their image-bump pull
	// requests current (the GitHubBumper; a fake in tests and benchmarks).
	Bumper Bumper
	// Registry lists tags (an images.Registry with the bot's credentials). Never a
	// cache that outlives a scan: each scan and each batch of registry events wraps it
	// in a SharedTags of its own, so a tag pushed since is always seen.
	Registry images.TagLister
	// Repos lists every repository of every installation, for the index at start
	// (ListInstalledRepos).
	Repos func(ctx context.Context) ([]RepoRef, error)
	// Push queues a job on the bot's work queue (Server.Push).
	Push func(Job) error
	// Background, when set, queues a job on the work queue's background lane
	// (Server.PushBackground): the index build reads each repository in a job of its
	// own there, so it never holds up a webhook's job. Without it, the build reads
	// repositories Concurrency at a time outside the queue.
	Background func(Job) error
	// Concurrency bounds the repositories indexed or bumped at once by a scan or an
	// index build (default 4); with Background, the index build's jobs queued at once.
	Concurrency int
	// BumpOnPush makes a push to a default branch bump that repository too (rebasing
	// its bump branches at once, closing pull requests the branch now contains), not
	// only re-read its images.
	BumpOnPush bool
	// IndexFile keeps the index between restarts (<--git-cache-dir>/IndexFileName):
	// read before the first build, written after each build (and every
	// indexSaveInterval during one) and when Run ends. A build then reads again only the
	// repositories whose default branch moved (with a Bumper that is a HeadReader).
	// "": the index lives in memory only.
	IndexFile string
	// GitCache, when set, is the bot's git cache: after each complete listing, the
	// repositories it keeps that the listing no longer has are forgotten (removed from
	// the App while the bot was down, an installation deleted), as Installations does
	// on the events.
	GitCache *gitcache.Cache
	Log      *slog.Logger
	Metrics  *SchedulerMetrics
}

// indexSaveInterval is how often a build under way writes IndexFile, so that a bot
// stopped mid-build keeps what it read.
const indexSaveInterval = 10 * time.Second

// BumpScheduler is the brain of image automation's triggers: it keeps the index of image
// → repositories, turns registry events into bumps of only the repositories that use
// the image, handles pushes to default branches and installation changes, and runs
// the periodic scan (on the leader only; see Run).
type BumpScheduler struct {
	cfg   BumpSchedulerConfig
	index *ImageIndex
	locks repoLocks

	mu      sync.Mutex
	pending map[RepoRef]*pendingBump // bumps queued for registry events, not started

	indexOnce sync.Once
	indexed   chan struct{} // closed once the index has been built at start
	leading   atomic.Bool

	loadOnce sync.Once
	saveMu   sync.Mutex
	savedAt  time.Time // under saveMu
}

// NewBumpScheduler checks cfg and returns a BumpScheduler with an empty index (BuildIndex or
// Run fills it).
func NewBumpScheduler(cfg BumpSchedulerConfig) (*BumpScheduler, error) {
	if cfg.Bumper == nil {
		return nil, errors.New("image automation: no Bumper given")
	}
	if cfg.Registry == nil {
		return nil, errors.New("image automation: no registry client given")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewSchedulerMetrics(nil)
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	return &BumpScheduler{cfg: cfg, index: NewImageIndex(), locks: repoLocks{m: map[RepoRef]*repoLock{}},
		pending: map[RepoRef]*pendingBump{}, indexed: make(chan struct{})}, nil
}

// Index is the BumpScheduler's index of image → repositories.
func (a *BumpScheduler) Index() *ImageIndex { return a.index }

// BuildIndex reads the automated images of every installed repository into the
// index: in background jobs with Background (Concurrency of them queued at a time),
// else Concurrency at a time here. A repository that fails is logged and tried again
// by the next scan; the others are indexed all the same. The metrics follow its
// progress, and its end when ctx did not end first.
func (a *BumpScheduler) BuildIndex(ctx context.Context) error {
	defer a.indexOnce.Do(func() { close(a.indexed) })
	a.loadOnce.Do(a.loadIndex)
	if a.cfg.Repos == nil {
		return nil
	}
	before := a.index.Known()
	repos, err := a.cfg.Repos(ctx)
	if err != nil {
		a.cfg.Log.Warn("image automation: listing installed repositories", "error", err, "listed", len(repos))
	} else {
		a.forgetUnlisted(before, repos)
	}
	start := time.Now()
	a.cfg.Metrics.buildStarted(len(repos))
	var n, unchanged atomic.Int64
	read := func(ctx context.Context, r RepoRef) {
		if _, same, _ := a.indexRepoAt(ctx, r, ""); same {
			unchanged.Add(1)
		}
		n.Add(1)
		a.cfg.Metrics.buildRead()
		a.saveIndex(false)
	}
	if a.cfg.Background != nil {
		a.inBackground(ctx, repos, read, func(RepoRef) { n.Add(1); a.cfg.Metrics.buildRead() })
	} else {
		forEach(ctx, a.cfg.Concurrency, repos, func(r RepoRef) { read(ctx, r) })
	}
	a.cfg.Metrics.index(a.index)
	a.saveIndex(true)
	if ctx.Err() != nil {
		return errors.Join(err, ctx.Err())
	}
	if int(n.Load()) < len(repos) { // the queue shut down
		a.cfg.Log.Info("image automation: index build stopped", "repositories", len(repos), "read", n.Load())
		return err
	}
	a.cfg.Metrics.buildDone(time.Now())
	nr, ni := a.index.Size()
	a.cfg.Log.Info("image automation: index built", "repositories", len(repos), "automated", nr, "images", ni,
		"unchanged", unchanged.Load(), "duration", time.Since(start).Round(time.Millisecond))
	return err
}

// forgetUnlisted removes from the index the repositories it knew before the listing
// (before) that the listing no longer has: uninstalled while the bot was down, or
// since the last build. One added since the listing began is kept. The git cache
// forgets every repository the listing does not have (a fork a pull request came
// from too: fetched again, shallow, by its next plan).
func (a *BumpScheduler) forgetUnlisted(before, listed []RepoRef) {
	in := make(map[RepoRef]bool, len(listed))
	for _, r := range listed {
		in[r] = true
	}
	for _, r := range before {
		if !in[r] {
			a.index.Remove(r)
		}
	}
	if a.cfg.GitCache == nil {
		return
	}
	readable := make(map[string]bool, len(listed)) // cache scope + "\n" + owner/name in lower case
	for _, r := range listed {
		readable[cacheScope(r.Installation)+"\n"+strings.ToLower(r.FullName())] = true
	}
	n := a.cfg.GitCache.ForgetUnlisted(func(scope, name string) bool { return readable[scope+"\n"+strings.ToLower(name)] })
	if n > 0 {
		a.cfg.Log.Info("git cache: forgot the repositories the App no longer reads", "repositories", n)
	}
}

// inBackground calls f for every repository, each in a background job of its own
// ("owner/name:index"), with at most Concurrency of them queued or running at once,
// until ctx ends. A repository whose job cannot be queued (the background lane is
// full) counts as failed, so the next scan reads it again, and is passed to refused.
func (a *BumpScheduler) inBackground(ctx context.Context, repos []RepoRef, f func(context.Context, RepoRef), refused func(RepoRef)) {
	forEach(ctx, a.cfg.Concurrency, repos, func(r RepoRef) {
		done := make(chan struct{})
		var once sync.Once
		finish := func() { once.Do(func() { close(done) }) }
		err := a.cfg.Background(Job{Key: r.FullName() + ":index", Kind: "index", Installation: r.Installation,
			Run: func(jctx context.Context) error {
				defer finish()
				if ctx.Err() != nil {
					return nil // the build was stopped while the job waited
				}
				jctx, cancel := context.WithCancel(jctx)
				defer cancel()
				defer context.AfterFunc(ctx, cancel)()
				f(jctx, r)
				return nil
			},
			Dropped: finish})
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, ErrQueueClosed) {
				a.index.Failed(r)
				a.cfg.Metrics.errors.WithLabelValues("index").Inc()
				a.cfg.Log.Warn("image automation: cannot queue the reading of a repository's images", "repository", r.FullName(), "installation", r.Installation, "error", err)
				refused(r)
			}
			return
		}
		select {
		case <-done:
		case <-ctx.Done():
		}
	})
}

// indexRepos reads the images of repos into the index.
func (a *BumpScheduler) indexRepos(ctx context.Context, repos []RepoRef) {
	forEach(ctx, a.cfg.Concurrency, repos, func(r RepoRef) { _, _ = a.indexRepo(ctx, r) })
	a.cfg.Metrics.index(a.index)
}

// indexRepo reads the images of r into the index, unless its default branch is still
// at the commit they were read at.
func (a *BumpScheduler) indexRepo(ctx context.Context, r RepoRef) ([]string, error) {
	imgs, _, err := a.indexRepoAt(ctx, r, "")
	return imgs, err
}

// indexRepoAt reads the images of r into the index. head is the default branch's
// commit when the caller knows it (a push event's), else it is asked of the Bumper
// when it is a HeadReader; when the index already read that commit, nothing is read
// (same). A head that cannot be learnt only makes the images read all the same.
func (a *BumpScheduler) indexRepoAt(ctx context.Context, r RepoRef, head string) (imgs []string, same bool, err error) {
	known := a.index.Head(r)
	if hr, ok := a.cfg.Bumper.(HeadReader); ok && head == "" {
		if head, err = hr.DefaultHead(ctx, r, known); err != nil {
			if ctx.Err() != nil {
				return nil, false, err
			}
			a.cfg.Log.Debug("image automation: cannot learn a repository's default branch commit; reading it", "repository", r.FullName(), "installation", r.Installation, "error", err)
			head = ""
		}
	}
	if head != "" && head == known {
		a.index.Unchanged(r)
		a.cfg.Metrics.indexReads.WithLabelValues("unchanged").Inc()
		return a.index.Images(r), true, nil
	}
	imgs, err = a.cfg.Bumper.Images(ctx, r)
	if err != nil {
		if ctx.Err() == nil {
			a.index.Failed(r)
			a.cfg.Metrics.errors.WithLabelValues("index").Inc()
			a.cfg.Metrics.indexReads.WithLabelValues("failed").Inc()
			a.cfg.Log.Warn("image automation: cannot read a repository's images", "repository", r.FullName(), "installation", r.Installation, "error", err)
		}
		return nil, false, err
	}
	a.index.SetAt(r, head, imgs)
	a.cfg.Metrics.indexReads.WithLabelValues("read").Inc()
	return imgs, false, nil
}

// bump runs one Bump of repo, never two of one repository at once in this replica,
// and keeps the index in step with what it read.
func (a *BumpScheduler) bump(ctx context.Context, trigger string, r RepoRef, only []string, tags images.TagLister) (*BumpResult, error) {
	if err := a.locks.lock(ctx, r); err != nil {
		return nil, err
	}
	defer a.locks.unlock(r)
	log := a.cfg.Log.With("repository", r.FullName(), "installation", r.Installation, "trigger", trigger)
	if only != nil {
		log = log.With("images", only)
	}
	res, err := a.cfg.Bumper.Bump(ctx, r, only, tags)
	a.cfg.Metrics.bumped(trigger, err)
	if err != nil {
		log.Error("image automation: bump failed", "error", err)
		return res, err
	}
	if res == nil {
		return &BumpResult{}, nil
	}
	a.index.Set(r, res.Images)
	a.cfg.Metrics.index(a.index)
	for _, p := range res.Problems {
		log.Warn("image automation: image not bumped", "problem", p.String())
	}
	if len(res.Opened)+len(res.Updated)+len(res.Closed) > 0 {
		log.Info("image automation: pull requests", "opened", res.Opened, "updated", res.Updated, "closed", res.Closed)
	}
	return res, nil
}

// forEach calls f for every item, n at a time, until ctx ends.
func forEach[T any](ctx context.Context, n int, items []T, f func(T)) {
	work := make(chan T)
	var wg sync.WaitGroup
	for range min(max(n, 1), len(items)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				f(it)
			}
		}()
	}
	for _, it := range items {
		if ctx.Err() != nil {
			break
		}
		work <- it
	}
	close(work)
	wg.Wait()
}

// repoLocks is one mutex per repository, taken with a context.
type repoLocks struct {
	mu sync.Mutex
	m  map[RepoRef]*repoLock
}

type repoLock struct {
	ch   chan struct{}
	refs int
}

func (l *repoLocks) lock(ctx context.Context, r RepoRef) error {
	l.mu.Lock()
	e := l.m[r]
	if e == nil {
		e = &repoLock{ch: make(chan struct{}, 1)}
		l.m[r] = e
	}
	e.refs++
	l.mu.Unlock()
	select {
	case e.ch <- struct{}{}:
		return nil
	case <-ctx.Done():
		l.release(r, e)
		return ctx.Err()
	}
}

func (l *repoLocks) unlock(r RepoRef) {
	l.mu.Lock()
	e := l.m[r]
	l.mu.Unlock()
	<-e.ch
	l.release(r, e)
}

func (l *repoLocks) release(r RepoRef, e *repoLock) {
	l.mu.Lock()
	e.refs--
	if e.refs == 0 {
		delete(l.m, r)
	}
	l.mu.Unlock()
}
