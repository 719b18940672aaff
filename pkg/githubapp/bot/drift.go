package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot/statuspage"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/repoconfig"
)

// Defaults of drift detection.
const (
	DefaultDriftInterval = 15 * time.Minute
	// MaxDriftTargets bounds the targets of one repository checked per round.
	MaxDriftTargets = 50
)

// DriftDetector live-plans, at the head of its default branch, every target that has
// a cluster granted to its repository, with the same engine as a pull request's live
// plan (Planner), and reports what differs: a gitops/drift/<target> check run on the
// head, one issue per target while it drifts (driftReport), the status page and
// metrics. Nothing is ever applied. Run it on one replica: under a Lease.
type DriftDetector struct {
	Planner *Planner
	// Repos lists every repository of every installation (ListInstalledRepos).
	Repos func(ctx context.Context) ([]RepoRef, error)
	// Concurrency bounds the repositories checked at once (default 2).
	Concurrency int
	Metrics     *DriftMetrics
	// Board, when set, shows each target's drift on the status page.
	Board *statuspage.Board
	Log   *slog.Logger

	mu   sync.Mutex
	last map[string]statuspage.DriftState // by "owner/name/target": reports only changes
}

// Run checks every interval while this replica leads (el), the first round at once.
func (d *DriftDetector) Run(ctx context.Context, interval time.Duration, el Elector) {
	if interval <= 0 {
		return
	}
	el.Run(ctx, func(lctx context.Context) {
		d.log().Info("drift detection: leading: checks run in this replica", "interval", interval)
		d.Metrics.setLeader(true)
		defer d.Metrics.setLeader(false)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			_ = d.CheckAll(lctx)
			select {
			case <-lctx.Done():
				return
			case <-t.C:
			}
		}
	})
}

// CheckAll checks every repository, at most Concurrency at once. The error joins the
// repositories that could not be checked; the others are reported all the same.
func (d *DriftDetector) CheckAll(ctx context.Context) error {
	start := time.Now()
	repos, err := d.Repos(ctx)
	errs := []error{err}
	var mu sync.Mutex
	n := d.Concurrency
	if n <= 0 {
		n = 2
	}
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	seen, kept := map[string]bool{}, map[string]bool{}
	for _, r := range repos {
		if ctx.Err() != nil {
			break
		}
		if d.Board != nil {
			d.Board.SetInstallation(r.Installation, r.Owner)
			d.Board.SetRepository(r.Installation, r.FullName())
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			checked, err := d.CheckRepo(ctx, r)
			mu.Lock()
			defer mu.Unlock()
			for _, t := range checked {
				seen[r.FullName()+"/"+t] = true
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", r.FullName(), err))
				kept[r.FullName()] = true // not checked: its last results stay, and age
			}
		})
	}
	wg.Wait()
	if ctx.Err() == nil && err == nil { // the list of repositories is whole
		d.Metrics.forgetExcept(seen, kept)
	}
	err = errors.Join(errs...)
	d.Metrics.round(time.Since(start), err)
	if err != nil {
		d.log().Warn("drift detection: some repositories could not be checked", "err", err)
	}
	return err
}

// CheckRepo checks the targets of one repository that have a cluster granted to it,
// and returns their names.
func (d *DriftDetector) CheckRepo(ctx context.Context, r RepoRef) ([]string, error) {
	p := d.Planner
	log := d.log().With("repository", r.FullName())
	gh := p.App.Installation(r.Installation)
	repo, err := githubapp.GetRepository(ctx, gh, r.Owner, r.Name)
	if err != nil {
		return nil, err
	}
	branch := repo.GetDefaultBranch()
	data, _, err := githubapp.GetFileContent(ctx, gh, r.Owner, r.Name, repoconfig.File, branch)
	if err != nil {
		return nil, err
	}
	cfg, err := repoconfig.Parse(repoconfig.File, data)
	if err != nil {
		return nil, err // a pull request's plan comment shows it; nothing to check
	}
	type liveTarget struct {
		t              repoconfig.Target
		namespacedOnly bool
	}
	var targets []liveTarget
	for _, t := range cfg.Targets {
		access := p.Access.Resolve(r.FullName(), t.Cluster, t.AllowNamespaces)
		if !access.Live || !p.hasContext(t.Cluster) {
			continue
		}
		if len(targets) == MaxDriftTargets {
			log.Warn("drift detection: too many targets with a cluster; the rest are not checked", "checked", MaxDriftTargets)
			break
		}
		t.AllowNamespaces = access.AllowNamespaces
		targets = append(targets, liveTarget{t, access.NamespacedOnly})
	}
	if len(targets) == 0 {
		return nil, nil
	}
	token, err := p.App.Token(ctx, r.Installation)
	if err != nil {
		return nil, err
	}
	auth := gitrepo.TokenAuth(token)
	src, err := p.openCommit(ctx, r.Installation, repo, branch, auth, log.With("component", "git"))
	if err != nil {
		return nil, fmt.Errorf("clone %s: %w", branch, cloneError(err))
	}
	defer src.close()
	rep := &driftReport{d: d, gh: gh, repo: r, repoURL: repo.GetHTMLURL(), branch: branch, head: src.revision, cfg: cfg, log: log}
	var names []string
	var errs []error
	for _, lt := range targets {
		// Fields someone else took over (kubectl edit) are drift: shown as changes.
		mode := planMode{live: true, namespacedOnly: lt.namespacedOnly, forceConflicts: true}
		pl, err := p.planTarget(ctx, lt.t, mode, src.dir, nil, auth, log)
		if ctx.Err() != nil {
			return names, ctx.Err()
		}
		if err == nil {
			pl.Source = fmt.Sprintf("%s, path %s, %s", r.FullName(), lt.t.Path, branch)
			pl.Repository = r.FullName()
		}
		names = append(names, lt.t.Name)
		if err := rep.report(ctx, lt.t, pl, err); err != nil {
			errs = append(errs, fmt.Errorf("target %s: %w", lt.t.Name, err))
		}
	}
	return names, errors.Join(errs...)
}

// changed records state as target key's and reports whether it differs from the last.
func (d *DriftDetector) changed(key string, state statuspage.DriftState) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.last == nil {
		d.last = map[string]statuspage.DriftState{}
	}
	prev, ok := d.last[key]
	d.last[key] = state
	return !ok || prev != state
}

func (d *DriftDetector) log() *slog.Logger {
	if d.Log == nil {
		return slog.Default()
	}
	return d.Log
}
