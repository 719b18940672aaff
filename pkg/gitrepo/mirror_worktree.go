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
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// worktreesDir is where a repository records its linked work trees, as `git worktree`
// does.
const worktreesDir = "worktrees"

// Worktree is a commit of a bare repository checked out into a directory of its own,
// as `git worktree add --detach` makes it: the files, and a .git file pointing at a
// record in the bare repository that holds its HEAD and index; the objects stay in the
// bare repository. Opened with Open (or pkg/source), it is a work tree at Revision.
type Worktree struct {
	// Dir is the work tree's root.
	Dir string
	// Revision is the full sha of the commit checked out.
	Revision string
	// Size is the bytes its files take, as the limits count them (each file and
	// directory 4 KiB more than its contents).
	Size int64

	bare   string      // the bare repository
	record string      // <bare>/worktrees/<name>, <name> the base name of Dir
	index  index.Entry // the stat of the record's index as last written (see Reuse)
}

// AddWorktree checks out the commit sha (or the commit an annotated tag sha names) of
// the bare repository at bare into dir, which must exist and be empty, detached. The
// files are counted before they are written: with fetched (the bytes a fetch for this
// checkout took) they must fit WithMaxBytes, else the error wraps ErrTooLarge. url
// names the repository in errors. The bare repository must not be removed before
// Remove; fetches into it may run alongside.
func AddWorktree(ctx context.Context, bare, sha, dir, url string, fetched int64, opts ...Option) (*Worktree, error) {
	o := makeOptions(opts)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	safe := RedactURL(url)
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("work tree %s: %w", dir, err)
	}
	name := filepath.Base(dir)
	record := filepath.Join(bare, worktreesDir, name)
	w := &Worktree{Dir: dir, bare: bare, record: record}
	if err := os.MkdirAll(filepath.Join(bare, worktreesDir), 0o755); err != nil {
		return nil, fmt.Errorf("record work tree in %s: %w", bare, err)
	}
	if err := os.Mkdir(record, 0o755); err != nil {
		return nil, fmt.Errorf("record work tree in %s: %w", bare, err)
	}
	ok := false
	defer func() {
		if !ok {
			_ = w.Remove()
		}
	}()
	files := map[string]string{
		filepath.Join(record, "HEAD"):      strings.ToLower(sha) + "\n",
		filepath.Join(record, "commondir"): "../..\n",
		filepath.Join(record, "gitdir"):    filepath.Join(dir, git.GitDirName) + "\n",
		filepath.Join(dir, git.GitDirName): "gitdir: " + record + "\n",
	}
	for p, body := range files {
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return nil, fmt.Errorf("record work tree %s: %w", dir, err)
		}
	}
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if err != nil {
		return nil, fmt.Errorf("open work tree %s: %w", dir, err)
	}
	c, err := peel(repo, plumbing.NewHash(sha))
	if err != nil {
		return nil, fmt.Errorf("check out %s of %s: %w", sha, safe, err)
	}
	// Every object of the tree is looked at, bound or not: a cache missing one fails
	// here, before a file is written (go-git's checkout leaves out a missing subtree's
	// files without an error).
	commit, err := repo.CommitObject(c)
	if err != nil {
		return nil, fmt.Errorf("check out %s of %s: %w", c, safe, err)
	}
	tree, err := object.GetTree(repo.Storer, commit.TreeHash)
	if err != nil {
		return nil, fmt.Errorf("check out %s of %s: %w: %w", c, safe, ErrMirrorIncomplete, &missingObjectError{path: "/", hash: commit.TreeHash})
	}
	tooLarge := func() error {
		return &tooLargeError{url: safe, what: "its fetch with its files at " + c.String()[:12], limit: o.maxBytes}
	}
	total, err := treeBytes(repo.Storer, tree, "", 0, fetched, o.maxBytes, tooLarge)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return nil, fmt.Errorf("check out %s of %s: %w: %w", c, safe, ErrMirrorIncomplete, err)
	}
	if err != nil && !errors.Is(err, ErrTooLarge) {
		err = fmt.Errorf("check out %s of %s: %w", c, safe, err)
	}
	if err != nil {
		return nil, err
	}
	w.Size = total - fetched
	wt, err := repo.Worktree()
	if err != nil {
		return nil, fmt.Errorf("open work tree %s: %w", dir, err)
	}
	if err := wt.Checkout(&git.CheckoutOptions{Hash: c, Force: true}); err != nil {
		return nil, fmt.Errorf("check out %s of %s in %s: %w", c, safe, dir, err)
	}
	w.Revision = c.String()
	if err := w.snapshotIndex(); err != nil {
		return nil, err
	}
	ok = true
	return w, nil
}

// Remove removes the work tree's directory and its record in the bare repository.
// Calling it again is a no-op.
func (w *Worktree) Remove() error {
	return errors.Join(removeAll(w.Dir), removeAll(w.record))
}

func removeAll(p string) error {
	if err := os.RemoveAll(p); err != nil {
		return fmt.Errorf("remove %s: %w", p, err)
	}
	return nil
}

// PruneWorktrees removes every work tree record of the bare repository at bare and
// returns the directories they pointed at, for a caller that knows which of them are
// its own to remove: after a crash, records outlive their work trees.
func PruneWorktrees(bare string) ([]string, error) {
	root := filepath.Join(bare, worktreesDir)
	entries, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list work trees of %s: %w", bare, err)
	}
	var dirs []string
	for _, e := range entries {
		p := filepath.Join(root, e.Name())
		if b, err := os.ReadFile(filepath.Join(p, "gitdir")); err == nil {
			if d := strings.TrimSpace(string(b)); filepath.Base(d) == git.GitDirName {
				dirs = append(dirs, filepath.Dir(d))
			}
		}
		if err := os.RemoveAll(p); err != nil {
			return dirs, fmt.Errorf("remove work tree record %s: %w", p, err)
		}
	}
	return dirs, nil
}
