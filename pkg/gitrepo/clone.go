package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/go-git/go-git/v5/storage/memory"
)

// clone resolves ref against the remote's advertised refs, then clones into a new
// directory and checks the commit out.
func clone(ctx context.Context, src, ref string, o options) (*Repo, error) {
	safe := RedactURL(src)
	red := newRedactor(src, o.auth)
	ep, err := transport.NewEndpoint(src)
	if err != nil {
		return nil, red.err(fmt.Errorf("parse git URL %s: %w", safe, err))
	}
	auth, err := authFor(ep, o.auth)
	if err != nil {
		return nil, fmt.Errorf("git remote %s: %w", safe, err)
	}

	refs, err := listRefs(ctx, src, auth)
	if errors.Is(err, transport.ErrEmptyRemoteRepository) {
		return nil, fmt.Errorf("git remote %s is empty (no commits)", safe)
	}
	if err != nil {
		return nil, red.err(fmt.Errorf("git remote %s: %w", safe, transportError(err, hasCreds(src, auth))))
	}
	fol, name, err := pickRef(refs, ref, safe)
	if err != nil {
		return nil, err
	}

	d, err := prepareDir(o.dir)
	if err != nil {
		return nil, err
	}
	defer d.discard()
	dir := d.path

	st, wt := newStorage(dir, safe, o.maxBytes)
	o.log.Info("cloning git repository", "url", safe, "ref", ref, "dir", dir)
	var repo *git.Repository
	if fol == followCommit {
		repo, err = fetchCommit(ctx, st, wt, src, ref, refs, auth, o)
	} else {
		// One branch or tag, all its history (a bump branch is rebased on it and
		// compared with it), no other refs; checked out below, once its size is known.
		repo, err = git.CloneContext(ctx, st, wt, &git.CloneOptions{URL: src, Auth: auth, RemoteName: git.DefaultRemoteName,
			ReferenceName: name, SingleBranch: true, Tags: git.NoTags, NoCheckout: true})
	}
	if err != nil {
		return nil, red.err(fmt.Errorf("clone %s into %s: %w", safe, dir, transportError(err, hasCreds(src, auth))))
	}

	r := &Repo{
		repo:     repo,
		dir:      dir,
		ref:      ref,
		url:      safe,
		rawURL:   src,
		remote:   git.DefaultRemoteName,
		temp:     d.temp,
		follow:   fol,
		name:     name,
		auth:     auth,
		maxBytes: o.maxBytes,
		red:      red,
		log:      o.log,
	}
	if fol == followCommit {
		if err := r.checkoutSha(ref); err != nil {
			return nil, err
		}
	} else if err := r.checkoutHead(); err != nil {
		return nil, err
	}
	d.keep()
	o.log.Debug("cloned git repository", "url", safe, "revision", r.rev.String())
	return r, nil
}

// listRefs is `git ls-remote`: it checks the remote is reachable and returns its refs.
func listRefs(ctx context.Context, url string, auth transport.AuthMethod) ([]*plumbing.Reference, error) {
	rem := git.NewRemote(memory.NewStorage(), &config.RemoteConfig{Name: git.DefaultRemoteName, URLs: []string{url}})
	return rem.ListContext(ctx, &git.ListOptions{Auth: auth, PeelingOption: git.IgnorePeeled})
}

// pickRef decides what ref names: a branch, a tag, or (when it looks like a sha) a commit
// to find after a full clone.
func pickRef(refs []*plumbing.Reference, ref, safeURL string) (follow, plumbing.ReferenceName, error) {
	byName := make(map[plumbing.ReferenceName]*plumbing.Reference, len(refs))
	for _, r := range refs {
		byName[r.Name()] = r
	}
	has := func(n plumbing.ReferenceName) bool { _, ok := byName[n]; return ok }

	if ref == "" {
		head, ok := byName[plumbing.HEAD]
		if ok && head.Type() == plumbing.SymbolicReference && has(head.Target()) && head.Target().IsBranch() {
			return followBranch, head.Target(), nil
		}
		return 0, "", fmt.Errorf("git remote %s has no default branch (HEAD); give a branch, tag or commit", safeURL)
	}
	if n := plumbing.NewBranchReferenceName(ref); has(n) {
		return followBranch, n, nil
	}
	if n := plumbing.NewTagReferenceName(ref); has(n) {
		return followTag, n, nil
	}
	if n := plumbing.ReferenceName(ref); has(n) {
		switch {
		case n.IsBranch():
			return followBranch, n, nil
		case n.IsTag():
			return followTag, n, nil
		}
	}
	if isShaPrefix(ref) {
		return followCommit, "", nil
	}
	return 0, "", &refNotFoundError{ref: ref, url: safeURL}
}

// isShaPrefix reports whether s can be a full or abbreviated (≥ 4) hex commit id.
func isShaPrefix(s string) bool {
	if len(s) < 4 || len(s) > 40 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// checkoutSha resolves a full or abbreviated sha in the clone and checks it out
// detached.
func (r *Repo) checkoutSha(sha string) error {
	h, err := r.repo.ResolveRevision(plumbing.Revision(sha))
	if err != nil {
		return &refNotFoundError{ref: sha, url: r.url}
	}
	c, err := peel(r.repo, *h)
	if err != nil {
		return &refNotFoundError{ref: sha, url: r.url}
	}
	if err := checkTreeSize(r.repo, c, r.maxBytes, r.url); err != nil {
		return err
	}
	wt, err := r.repo.Worktree()
	if err != nil {
		return fmt.Errorf("open work tree %s: %w", r.dir, err)
	}
	if err := wt.Checkout(&git.CheckoutOptions{Hash: c, Force: true}); err != nil {
		return fmt.Errorf("check out %s in %s: %w", c, r.dir, err)
	}
	r.rev = c
	return nil
}

// checkoutHead checks out the commit HEAD of a new clone names (a branch stays
// attached), once its files are known to fit WithMaxBytes.
func (r *Repo) checkoutHead() error {
	h, err := r.head()
	if err != nil {
		return fmt.Errorf("read HEAD of clone %s: %w", r.dir, err)
	}
	if err := checkTreeSize(r.repo, h, r.maxBytes, r.url); err != nil {
		return err
	}
	wt, err := r.repo.Worktree()
	if err != nil {
		return fmt.Errorf("open work tree %s: %w", r.dir, err)
	}
	if err := wt.Reset(&git.ResetOptions{Commit: h, Mode: git.HardReset}); err != nil {
		return fmt.Errorf("check out %s in %s: %w", h, r.dir, err)
	}
	r.rev = h
	return nil
}

// fetchedRef is where fetchCommit puts the commit it fetched.
const fetchedRef = "refs/gitops/fetched"

// fetchCommit fetches commit sha alone, without its history (depth 1) and without
// any other ref, when the remote allows: by the ref that names it (a fork's branch,
// GitHub's refs/pull/N/head), or by its id (GitHub serves any commit it has so). A
// remote that serves neither, and an abbreviated sha, get the fetch of every branch
// and tag that finds any commit reachable from them (bounded by WithMaxBytes all
// the same).
func fetchCommit(ctx context.Context, st storage.Storer, wt billy.Filesystem, src, sha string, refs []*plumbing.Reference, auth transport.AuthMethod, o options) (*git.Repository, error) {
	repo, err := git.Init(st, wt)
	if err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	if _, err := repo.CreateRemote(&config.RemoteConfig{Name: git.DefaultRemoteName, URLs: []string{src}}); err != nil {
		return nil, fmt.Errorf("add remote: %w", err)
	}
	if len(sha) == 40 {
		spec := config.RefSpec(strings.ToLower(sha) + ":" + fetchedRef)
		if n, ok := refAt(refs, sha); ok {
			spec = config.RefSpec("+" + n.String() + ":" + fetchedRef)
		}
		err := repo.FetchContext(ctx, &git.FetchOptions{RemoteName: git.DefaultRemoteName, RefSpecs: []config.RefSpec{spec},
			Auth: auth, Depth: 1, Tags: git.NoTags})
		if err == nil || errors.Is(err, git.NoErrAlreadyUpToDate) {
			return repo, nil
		}
		if errors.Is(err, ErrTooLarge) || ctx.Err() != nil {
			return nil, err
		}
		o.log.Debug("the remote did not serve the commit alone; fetching its branches and tags", "url", RedactURL(src), "commit", sha, "error", err)
	}
	err = repo.FetchContext(ctx, &git.FetchOptions{RemoteName: git.DefaultRemoteName, Auth: auth, Tags: git.AllTags,
		RefSpecs: []config.RefSpec{config.RefSpec("+refs/heads/*:refs/remotes/" + git.DefaultRemoteName + "/*")}})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil, err
	}
	return repo, nil
}

// refAt is the advertised ref that names commit sha: a branch first, then any other
// but a tag (refs/pull/N/head on GitHub), then a tag.
func refAt(refs []*plumbing.Reference, sha string) (plumbing.ReferenceName, bool) {
	rank := func(n plumbing.ReferenceName) int {
		switch {
		case n.IsBranch():
			return 0
		case n.IsTag():
			return 2
		}
		return 1
	}
	var best plumbing.ReferenceName
	for _, r := range refs {
		n := r.Name()
		if r.Type() != plumbing.HashReference || n == plumbing.HEAD || !strings.EqualFold(r.Hash().String(), sha) {
			continue
		}
		if best == "" || rank(n) < rank(best) || rank(n) == rank(best) && n < best {
			best = n
		}
	}
	return best, best != ""
}

// newStorage is the storage and work tree of a clone into dir, as git.PlainInit
// makes them, its fetches bounded by max bytes (0: no bound).
func newStorage(dir, safeURL string, max int64) (storage.Storer, billy.Filesystem) {
	wt := osfs.New(dir)
	dot, _ := wt.Chroot(git.GitDirName)
	fs := filesystem.NewStorage(dot, cache.NewObjectLRUDefault())
	if max <= 0 {
		return fs, wt
	}
	return &cappedStorage{Storage: fs, max: max, url: safeURL}, wt
}

// newDir is the directory a clone or snapshot is made in, as prepareDir made it ready.
type newDir struct {
	path    string
	temp    bool   // a new directory under the system's temp directory
	cleanup func() // undoes what prepareDir did
	kept    bool
}

// keep marks the repository in d as made: discard leaves it.
func (d *newDir) keep() { d.kept = true }

// discard undoes what prepareDir did, unless keep was called; defer it.
func (d *newDir) discard() {
	if !d.kept {
		d.cleanup()
	}
}

// prepareDir returns the directory to clone into (dir, else a new temporary one) and
// how to undo its creation.
func prepareDir(dir string) (*newDir, error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "kubectl-gitops-clone-*")
		if err != nil {
			return nil, fmt.Errorf("create clone directory: %w", err)
		}
		return &newDir{path: d, temp: true, cleanup: func() { _ = os.RemoveAll(d) }}, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("clone directory %s: %w", dir, err)
	}
	entries, err := os.ReadDir(abs)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(abs, 0o755); err != nil {
			return nil, fmt.Errorf("create clone directory %s: %w", abs, err)
		}
		return &newDir{path: abs, cleanup: func() { _ = os.RemoveAll(abs) }}, nil
	case err != nil:
		return nil, fmt.Errorf("clone directory %s: %w", abs, err)
	case len(entries) > 0:
		return nil, fmt.Errorf("clone directory %s is not empty", abs)
	}
	return &newDir{path: abs, cleanup: func() {
		entries, _ := os.ReadDir(abs)
		for _, e := range entries {
			_ = os.RemoveAll(filepath.Join(abs, e.Name()))
		}
	}}, nil
}
