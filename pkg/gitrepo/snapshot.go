package gitrepo

import (
	"context"
	"fmt"
	"io"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// localCommit returns the commit ref names in a local work tree's repository when
// ref is not one of its branches or tags (those must be cloned, so that Update
// follows them): a commit sha, or a remote-tracking branch such as origin/main.
func localCommit(repo *git.Repository, ref string) (plumbing.Hash, bool) {
	for _, n := range []plumbing.ReferenceName{plumbing.NewBranchReferenceName(ref), plumbing.NewTagReferenceName(ref), plumbing.ReferenceName(ref)} {
		if (n.IsBranch() || n.IsTag()) && hasRef(repo, n) {
			return plumbing.ZeroHash, false
		}
	}
	h, err := repo.ResolveRevision(plumbing.Revision(ref))
	if err != nil {
		return plumbing.ZeroHash, false
	}
	c, err := peel(repo, *h)
	return c, err == nil
}

func hasRef(repo *git.Repository, n plumbing.ReferenceName) bool {
	_, err := repo.Reference(n, false)
	return err == nil
}

// snapshot checks commit c of a local repository out into a new repository holding
// that commit and its tree only. Unlike a clone it needs no transport, which cannot
// serve a repository whose HEAD is detached on a commit no ref names (GitHub Actions'
// checkout of a pull request).
func snapshot(ctx context.Context, src *git.Repository, root, ref string, c plumbing.Hash, o options) (*Repo, error) {
	d, err := prepareDir(o.dir)
	if err != nil {
		return nil, err
	}
	defer d.discard()
	dir := d.path
	o.log.Info("checking out a commit of the local repository", "dir", root, "ref", ref, "into", dir)
	dst, err := git.PlainInit(dir, false)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s of %s: %w", ref, root, err)
	}
	if err := copyCommit(ctx, src.Storer, dst.Storer, c); err != nil {
		return nil, fmt.Errorf("snapshot %s of %s: %w", ref, root, err)
	}
	// Pushes go where a clone's would: the work tree's repository.
	if _, err := dst.CreateRemote(&config.RemoteConfig{Name: git.DefaultRemoteName, URLs: []string{root}}); err != nil {
		return nil, fmt.Errorf("snapshot %s of %s: %w", ref, root, err)
	}
	if err := dst.Storer.SetReference(plumbing.NewHashReference(plumbing.HEAD, c)); err != nil {
		return nil, fmt.Errorf("snapshot %s of %s: %w", ref, root, err)
	}
	wt, err := dst.Worktree()
	if err != nil {
		return nil, err
	}
	if err := wt.Checkout(&git.CheckoutOptions{Hash: c, Force: true}); err != nil {
		return nil, fmt.Errorf("check out %s in %s: %w", c, dir, err)
	}
	d.keep()
	return &Repo{repo: dst, dir: dir, ref: ref, url: root, rawURL: root, remote: git.DefaultRemoteName,
		temp: d.temp, follow: followCommit, rev: c, auth: o.auth, red: newRedactor("", o.auth), log: o.log}, nil
}

// copyCommit copies commit c, its tree, subtrees and files from one object store to
// another.
func copyCommit(ctx context.Context, from, to storer.EncodedObjectStorer, c plumbing.Hash) error {
	commit, err := object.GetCommit(from, c)
	if err != nil {
		return err
	}
	hashes := []plumbing.Hash{c, commit.TreeHash}
	tree, err := commit.Tree()
	if err != nil {
		return err
	}
	w := object.NewTreeWalker(tree, true, nil)
	defer w.Close()
	for {
		_, e, err := w.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if e.Mode == filemode.Submodule {
			continue // a commit of another repository
		}
		hashes = append(hashes, e.Hash)
	}
	for _, h := range hashes {
		if err := ctx.Err(); err != nil {
			return err
		}
		obj, err := from.EncodedObject(plumbing.AnyObject, h)
		if err != nil {
			return fmt.Errorf("object %s: %w", h, err)
		}
		if _, err := to.SetEncodedObject(obj); err != nil {
			return fmt.Errorf("object %s: %w", h, err)
		}
	}
	return nil
}
