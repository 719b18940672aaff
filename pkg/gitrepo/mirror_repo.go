package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// Repo opens the work tree as a Repo at its commit, for a caller that commits in it,
// fetches branches into it and pushes from it (the bot's image-bump branches):
// CommitInfo, ResetTo, Commit, FetchBranches and ForcePush. Its remote is url, with
// the credentials of WithAuth; it is never written into the bare repository's
// configuration, which other work trees share. Its fetches are bounded by WithMaxBytes,
// each on its own.
//
// Commit and FetchBranches write objects and refs into the bare repository: the
// caller serialises them with the bare repository's other writers (fetches, repairs,
// removals). Close leaves the work tree in place (Worktree.Remove removes it).
func (w *Worktree) Repo(url string, opts ...Option) (*Repo, error) {
	o := makeOptions(opts)
	safe := RedactURL(url)
	red := newRedactor(url, o.auth)
	ep, err := transport.NewEndpoint(url)
	if err != nil {
		return nil, red.err(fmt.Errorf("parse git URL %s: %w", safe, err))
	}
	auth, err := authFor(ep, o.auth)
	if err != nil {
		return nil, fmt.Errorf("git remote %s: %w", safe, err)
	}
	opened, err := git.PlainOpenWithOptions(w.Dir, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if err != nil {
		return nil, fmt.Errorf("open work tree %s: %w", w.Dir, err)
	}
	fs, ok := opened.Storer.(*filesystem.Storage)
	if !ok {
		return nil, fmt.Errorf("open work tree %s: unexpected storage %T", w.Dir, opened.Storer)
	}
	repo, err := git.Open(&cappedStorage{Storage: fs, max: o.maxBytes, url: safe}, osfs.New(w.Dir))
	if err != nil {
		return nil, fmt.Errorf("open work tree %s: %w", w.Dir, err)
	}
	r := &Repo{
		repo:      repo,
		dir:       w.Dir,
		ref:       w.Revision,
		url:       safe,
		rawURL:    url,
		remote:    git.DefaultRemoteName,
		follow:    followCommit,
		auth:      auth,
		maxBytes:  o.maxBytes,
		red:       red,
		log:       o.log,
		ownRemote: true,
		rev:       plumbing.NewHash(w.Revision),
	}
	return r, nil
}

// gitRemote is the remote fetches and pushes go to: the one of the repository's
// configuration, or one of its own (a work tree of a bare repository shared with
// others, see Worktree.Repo).
func (r *Repo) gitRemote() (*git.Remote, error) {
	if r.ownRemote {
		return git.NewRemote(r.repo.Storer, &config.RemoteConfig{Name: r.remote, URLs: []string{r.rawURL}}), nil
	}
	return r.repo.Remote(r.remote)
}

// fetchContext is Repository.FetchContext from gitRemote.
func (r *Repo) fetchContext(ctx context.Context, o *git.FetchOptions) error {
	if !r.ownRemote {
		return r.repo.FetchContext(ctx, o)
	}
	rem, err := r.gitRemote()
	if err != nil {
		return err
	}
	return rem.FetchContext(ctx, o)
}

// pushContext is Repository.PushContext to gitRemote.
func (r *Repo) pushContext(ctx context.Context, o *git.PushOptions) error {
	if !r.ownRemote {
		return r.repo.PushContext(ctx, o)
	}
	rem, err := r.gitRemote()
	if err != nil {
		return err
	}
	return rem.PushContext(ctx, o)
}

// RemoveRefsOutside removes every ref of the bare repository at dir that names an
// object and is not under prefix (such as MirrorRefPrefix), and returns how many it
// removed: what a writer (FetchBranches in a work tree) left there. Their objects stay.
// The caller holds the repository's lock.
func RemoveRefsOutside(dir, prefix string) (int, error) {
	repo, err := git.PlainOpen(dir)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("open git cache repository %s: %w", dir, err)
	}
	it, err := repo.References()
	if err != nil {
		return 0, fmt.Errorf("read the refs of %s: %w", dir, err)
	}
	var names []plumbing.ReferenceName
	_ = it.ForEach(func(r *plumbing.Reference) error {
		if r.Type() == plumbing.HashReference && r.Name() != plumbing.HEAD && !strings.HasPrefix(r.Name().String(), prefix) {
			names = append(names, r.Name())
		}
		return nil
	})
	for _, n := range names {
		if err := repo.Storer.RemoveReference(n); err != nil && !errors.Is(err, os.ErrNotExist) {
			return 0, fmt.Errorf("remove ref %s of %s: %w", n, dir, err)
		}
	}
	return len(names), nil
}
