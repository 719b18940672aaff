package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot/statuspage"

	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitcache"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitopsfile"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/repoconfig"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
)

// BumpBranchPrefix starts the name of every image-bump branch: gitops/image/<name>.
const BumpBranchPrefix = "gitops/image/"

// GitHubBumper keeps a repository's image-bump pull requests current; it implements
// Bumper. For each automated image (or group of .gitops.yaml's
// imagePullRequests.groups) with a newer allowed tag, branch gitops/image/<name> is
// one commit on top of the default branch, made again from it whenever the result
// would differ (a newer tag, the default branch moved) and force-pushed, and one pull
// request per branch is opened or edited. A bump the default branch no longer needs
// is closed with a comment and its branch deleted. Every write is skipped when the
// result is already there, so a replay, or a second replica, writes nothing.
type GitHubBumper struct {
	App *githubapp.App
	// ReadOnly (--git-readonly) computes and reports the bumps (logs, metrics,
	// BumpResult.Branches) and never pushes, opens, edits or closes anything.
	ReadOnly bool
	// Author and Email sign the commits, as author and committer. Defaults: the App,
	// "<slug>[bot]" and "<slug>[bot]@users.noreply.github.com" (slug asked of GitHub once).
	Author, Email string
	// Created tells image ages for policies with a minimum release age (default: the
	// TagLister given to Bump, when it can).
	Created images.CreatedLookup
	Metrics *BumpMetrics
	// Board, when set, shows the open image-bump pull requests on the status page.
	Board *statuspage.Board
	Log   *slog.Logger
	// MaxCloneBytes bounds each clone of a default branch (--max-clone-bytes; 0: no
	// bound).
	MaxCloneBytes int64
	// GitCache, when set (--git-cache-dir, the Planner's cache), keeps each repository
	// between jobs: the default branch is checked out of it, fetching only what it
	// lacks, and the image-bump commits, branch fetches and force-pushes are made from
	// that checkout under the cached repository's lock (gitcache.Checkout.Write). Nil:
	// a clone of the default branch per job.
	GitCache *gitcache.Cache

	identityMu sync.Mutex
}

// bumpWork is one repository's default branch, cloned and scanned.
type bumpWork struct {
	repo   RepoRef
	gh     *github.Client
	info   *github.Repository
	src    *source.Source
	base   string // the default branch's commit
	scan   *images.Scanned
	config *repoconfig.Config
	log    *slog.Logger
	co     *gitcache.Checkout // the git cache's checkout src is, nil for a clone
}

// open clones the default branch with the installation token and scans it.
func (b *GitHubBumper) open(ctx context.Context, repo RepoRef) (*bumpWork, error) {
	log := b.log().With("repository", repo.FullName(), "installation", repo.Installation)
	gh := b.App.Installation(repo.Installation)
	info, err := githubapp.GetRepository(ctx, gh, repo.Owner, repo.Name)
	if err != nil {
		return nil, err
	}
	token, err := b.App.Token(ctx, repo.Installation)
	if err != nil {
		return nil, err
	}
	src, co, err := b.openDefault(ctx, repo.Installation, info, gitrepo.TokenAuth(token), log.With("component", "git"))
	if err != nil {
		return nil, fmt.Errorf("clone the default branch of %s: %w", repo.FullName(), cloneError(err))
	}
	w := &bumpWork{repo: repo, gh: gh, info: info, src: src, co: co, base: src.Revision, log: log.With("base", short(src.Revision))}
	if w.scan, err = images.ScanSource(src, ""); err != nil {
		w.close()
		return nil, fmt.Errorf("%s: %w", repo.FullName(), err)
	}
	f, err := gitopsfile.Read(src.Root, gitopsfile.Name, nil)
	if err == nil {
		w.config, err = repoconfig.Decode(f)
	}
	if err != nil {
		w.close()
		return nil, fmt.Errorf("%s: %w", repo.FullName(), err)
	}
	return w, nil
}

// openDefault opens the default branch with installation inst's credentials (auth): a
// checkout of the installation's copy in the git cache when there is one, else a
// clone of its own.
func (b *GitHubBumper) openDefault(ctx context.Context, inst int64, info *github.Repository, auth transport.AuthMethod, log *slog.Logger) (*source.Source, *gitcache.Checkout, error) {
	if b.GitCache == nil {
		so := source.Options{Source: info.GetCloneURL(), Ref: info.GetDefaultBranch(), Auth: auth, MaxCloneBytes: b.MaxCloneBytes}
		src, err := so.Open(ctx, log)
		return src, nil, err
	}
	co, err := b.GitCache.Checkout(ctx, gitcache.Request{URL: info.GetCloneURL(), Ref: info.GetDefaultBranch(), Auth: auth, MaxBytes: b.MaxCloneBytes, Name: info.GetFullName(), Scope: cacheScope(inst)})
	if err != nil {
		return nil, nil, err
	}
	repo, err := co.Repo()
	if err != nil {
		_ = co.Close()
		return nil, nil, err
	}
	return &source.Source{Root: co.Dir, Revision: co.Revision, URL: repo.URL(), Repo: repo, Clone: true}, co, nil
}

func (w *bumpWork) close() {
	w.src.Close()
	if w.co != nil {
		_ = w.co.Close()
	}
}

// git runs fn, which writes into the repository (a commit, a fetch, a push): for a
// checkout of the git cache under its lock, since its objects are shared.
func (w *bumpWork) git(ctx context.Context, fn func() error) error {
	if w.co == nil {
		return fn()
	}
	return w.co.Write(ctx, fn)
}

// Images lists the image repositories the default branch automates.
func (b *GitHubBumper) Images(ctx context.Context, repo RepoRef) ([]string, error) {
	w, err := b.open(ctx, repo)
	if err != nil {
		return nil, err
	}
	defer w.close()
	return automatedImages(w.scan.Images), nil
}

// automatedImages are the repositories of the images a policy may change, sorted.
func automatedImages(imgs []images.Image) []string {
	set := map[string]bool{}
	for _, im := range imgs {
		if im.Automated && im.Err == nil {
			set[im.Ref.Name()] = true
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Bump makes the repository's image-bump branches and pull requests current for the
// image repositories in only (nil: all, and then bump pull requests of images no
// longer automated are closed too). One image's registry failing leaves its branch
// and pull request as they are (the problem goes to its pull request's body) and the
// others are still bumped.
func (b *GitHubBumper) Bump(ctx context.Context, repo RepoRef, only []string, tags images.TagLister) (*BumpResult, error) {
	w, err := b.open(ctx, repo)
	if err != nil {
		b.Metrics.failed()
		return nil, err
	}
	defer w.close()
	res := &BumpResult{Images: automatedImages(w.scan.Images), ReadOnly: b.ReadOnly}
	groups := groupImages(w.scan.Images, &w.config.ImagePullRequests, only)
	var selected []images.Image
	for _, g := range groups {
		selected = append(selected, g.images...)
	}
	created := b.Created
	if created == nil {
		created, _ = tags.(images.CreatedLookup)
	}
	checker := &images.Checker{Lister: tags, Created: created, Filter: w.scan.Rules.Filter, OnlyAutomated: true, Logger: w.log}
	results := checker.Check(ctx, selected)
	updates, uerrs := images.Updates(results)
	scanErrs := w.scan.Errs
	if only != nil {
		scanErrs = nil // reported by the full runs
	}
	res.Problems = images.Problems(append(scanErrs, uerrs...), results)
	for _, p := range res.Problems {
		w.log.Warn("image problem", "file", p.File, "line", p.Line, "workload", p.Object, "image", p.Image, "problem", p.Message)
	}
	b.Metrics.problems(len(res.Problems))
	for _, g := range groups {
		g.assign(results, updates)
	}
	var branches map[string]string
	err = w.git(ctx, func() (err error) {
		branches, err = w.src.Repo.FetchBranches(ctx, BumpBranchPrefix)
		return err
	})
	if err != nil {
		b.Metrics.failed()
		return res, err
	}
	var errs []error
	for _, g := range groups {
		br, err := b.syncGroup(ctx, w, g, branches[g.branch])
		if err != nil {
			w.log.Error("image-bump branch failed", "branch", g.branch, "error", err)
			errs = append(errs, fmt.Errorf("%s: %w", g.branch, err))
		}
		if br != nil {
			res.add(br)
		}
	}
	if only == nil {
		if err := b.closeStale(ctx, w, groups, branches, res); err != nil {
			errs = append(errs, err)
		}
		b.recordPulls(repo, res)
	}
	if len(errs) > 0 {
		b.Metrics.failed()
	}
	return res, errors.Join(errs...)
}

// recordPulls shows the open image-bump pull requests of a full run on the status page.
func (b *GitHubBumper) recordPulls(repo RepoRef, res *BumpResult) {
	if b.Board == nil || res.ReadOnly {
		return
	}
	var pulls []statuspage.Pull
	for _, br := range res.Branches {
		if br.PullRequest != 0 && br.Action != "closed" {
			pulls = append(pulls, statuspage.Pull{Number: br.PullRequest, Title: "Bump " + strings.Join(br.Images, ", ")})
		}
	}
	b.Board.SetPulls(repo.Installation, repo.FullName(), pulls)
}

func (b *GitHubBumper) log() *slog.Logger {
	if b.Log == nil {
		return slog.Default()
	}
	return b.Log
}

// identity is the commits' author: the configured one, else the App.
func (b *GitHubBumper) identity(ctx context.Context) (string, string, error) {
	b.identityMu.Lock()
	defer b.identityMu.Unlock()
	if b.Author == "" || b.Email == "" {
		slug, err := b.App.Check(ctx)
		if err != nil {
			return "", "", fmt.Errorf("the App's identity for commits: %w", err)
		}
		if b.Author == "" {
			b.Author = slug + "[bot]"
		}
		if b.Email == "" {
			b.Email = slug + "[bot]@users.noreply.github.com"
		}
	}
	return b.Author, b.Email, nil
}
