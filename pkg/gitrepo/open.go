package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// Open returns a Repo for src.
//
// src is either a local work tree (any directory inside it), used in place and never
// modified unless Commit or SetTag is called, or a remote: a URL (https://, http://,
// git://, ssh://, file://, user@host:path) or a path to a bare repository, which is
// cloned into a temporary directory (or the WithDir directory).
//
// ref is a branch, a tag, a full ref name (refs/heads/x, refs/tags/x), a full or
// abbreviated commit sha, or "" for the remote's default branch (a local work tree:
// its HEAD). When a name is both a branch and a tag, the branch wins. A local work
// tree whose HEAD is not at ref is cloned instead, so the work tree stays untouched;
// when that clone fails and ref is a commit or a remote-tracking branch (origin/main)
// of the work tree's repository, that commit alone is checked out into a new
// repository instead (a repository whose HEAD is detached, as GitHub Actions checks
// out pull requests, cannot be cloned).
//
// A ref that does not exist gives an error wrapping ErrRefNotFound that names the ref
// and the URL; an unreachable remote gives an error naming the URL. Neither carries
// credentials.
func Open(ctx context.Context, src, ref string, opts ...Option) (*Repo, error) {
	o := makeOptions(opts)
	if strings.TrimSpace(src) == "" {
		return nil, errors.New("open git source: no path or URL given")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open git source %s: %w", RedactURL(src), err)
	}
	if IsRemote(src) {
		return clone(ctx, src, ref, o)
	}

	abs, err := filepath.Abs(src)
	if err != nil {
		return nil, fmt.Errorf("open git source %s: %w", src, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("open git source %s: %w", src, err)
	}
	// A bare repository or a work tree root opens as is; a directory inside a work tree
	// needs the walk up to its .git.
	repo, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		repo, err = git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	}
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, fmt.Errorf("open git source %s: not a git repository (nor inside one)", src)
	}
	if err != nil {
		return nil, fmt.Errorf("open git repository %s: %w", src, err)
	}
	wt, err := repo.Worktree()
	if errors.Is(err, git.ErrIsBareRepository) {
		return clone(ctx, abs, ref, o)
	}
	if err != nil {
		return nil, fmt.Errorf("open work tree %s: %w", src, err)
	}
	return openLocal(ctx, repo, wt.Filesystem.Root(), ref, o)
}

// openLocal uses a work tree in place when its HEAD is at ref, and clones it otherwise.
func openLocal(ctx context.Context, repo *git.Repository, root, ref string, o options) (*Repo, error) {
	r := &Repo{
		repo:   repo,
		dir:    root,
		ref:    ref,
		url:    root,
		rawURL: root,
		remote: git.DefaultRemoteName,
		follow: followHead,
		auth:   o.auth,
		red:    newRedactor("", o.auth),
		log:    o.log,
	}
	head, err := r.head()
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return nil, fmt.Errorf("git work tree %s has no commits", root)
	}
	if err != nil {
		return nil, fmt.Errorf("read HEAD of %s: %w", root, err)
	}
	r.rev = head
	if ref != "" && !atRef(repo, ref, head) {
		o.log.Info("work tree is not at the ref; cloning it", "dir", root, "ref", ref)
		cl, err := clone(ctx, root, ref, o)
		if err != nil {
			if c, ok := localCommit(repo, ref); ok {
				return snapshot(ctx, repo, root, ref, c, o)
			}
		}
		return cl, err
	}
	o.log.Debug("using git work tree in place", "dir", root, "revision", head.String())
	return r, nil
}

// atRef reports whether ref names the commit head in repo.
func atRef(repo *git.Repository, ref string, head plumbing.Hash) bool {
	h, err := repo.ResolveRevision(plumbing.Revision(ref))
	if err != nil {
		return false
	}
	c, err := peel(repo, *h)
	return err == nil && c == head
}
