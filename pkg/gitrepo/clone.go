package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
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

	dir, temp, cleanup, err := prepareDir(o.dir)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			cleanup()
		}
	}()

	co := &git.CloneOptions{URL: src, Auth: auth, RemoteName: git.DefaultRemoteName}
	switch fol {
	case followBranch, followTag:
		co.ReferenceName = name
		co.SingleBranch = true
		co.Tags = git.NoTags
	case followCommit:
		co.NoCheckout = true
		co.Tags = git.AllTags
	}
	o.log.Info("cloning git repository", "url", safe, "ref", ref, "dir", dir)
	repo, err := git.PlainCloneContext(ctx, dir, false, co)
	if err != nil {
		return nil, red.err(fmt.Errorf("clone %s into %s: %w", safe, dir, err))
	}

	r := &Repo{
		repo:   repo,
		dir:    dir,
		ref:    ref,
		url:    safe,
		rawURL: src,
		remote: git.DefaultRemoteName,
		temp:   temp,
		follow: fol,
		name:   name,
		auth:   auth,
		red:    red,
		log:    o.log,
	}
	if fol == followCommit {
		if err := r.checkoutSha(ref); err != nil {
			return nil, err
		}
	} else if r.rev, err = r.head(); err != nil {
		return nil, fmt.Errorf("read HEAD of clone %s: %w", dir, err)
	}
	ok = true
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

// prepareDir returns the directory to clone into and how to undo its creation.
func prepareDir(dir string) (string, bool, func(), error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "kubectl-gitops-clone-*")
		if err != nil {
			return "", false, nil, fmt.Errorf("create clone directory: %w", err)
		}
		return d, true, func() { _ = os.RemoveAll(d) }, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", false, nil, fmt.Errorf("clone directory %s: %w", dir, err)
	}
	entries, err := os.ReadDir(abs)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(abs, 0o755); err != nil {
			return "", false, nil, fmt.Errorf("create clone directory %s: %w", abs, err)
		}
		return abs, false, func() { _ = os.RemoveAll(abs) }, nil
	case err != nil:
		return "", false, nil, fmt.Errorf("clone directory %s: %w", abs, err)
	case len(entries) > 0:
		return "", false, nil, fmt.Errorf("clone directory %s is not empty", abs)
	}
	return abs, false, func() {
		entries, _ := os.ReadDir(abs)
		for _, e := range entries {
			_ = os.RemoveAll(filepath.Join(abs, e.Name()))
		}
	}, nil
}
