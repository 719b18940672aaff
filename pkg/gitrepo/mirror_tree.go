package gitrepo

import (
	"errors"
	"fmt"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// ErrMirrorIncomplete is wrapped by the error of FetchCommit when the repository lacks
// objects of the commit's tree even after fetching it alone: the repository cannot be
// trusted, remove it and fetch again from nothing.
var ErrMirrorIncomplete = errors.New("git cache repository lacks objects of a commit")

// maxTreeDepth bounds how deep a tree may nest (a tree naming itself through a forged
// hash, or a remote sending millions of levels, must not exhaust the stack).
const maxTreeDepth = 1024

// missingObjectError names an object of a commit's tree the repository lacks.
type missingObjectError struct {
	path string
	hash plumbing.Hash
}

func (e *missingObjectError) Error() string {
	return fmt.Sprintf("object %s of %q is missing", e.hash, e.path)
}

func (e *missingObjectError) Unwrap() error { return plumbing.ErrObjectNotFound }

// checkComplete fails with a missingObjectError when the repository lacks an object of
// commit c's tree (a tree, or a file's blob; submodules are not objects of it). After
// a fetch without a depth, the remote leaves out what it takes the repository to hold
// from the history of the commits offered as haves, which a shallow repository may not:
// a commit whose tree names files of an older commit (a pull request made from a
// commit older than the one cached) arrives without them. go-git's tree walker stops
// silently at a missing tree, so nothing else would tell.
//
// The subtrees and files c shares with the tree of its first parent are not looked
// at when that parent is a commit the repository keeps (MirrorRefPrefix): those were
// checked when fetched.
func checkComplete(repo *git.Repository, c plumbing.Hash) error {
	commit, err := repo.CommitObject(c)
	if err != nil {
		return err
	}
	tree, err := repo.TreeObject(commit.TreeHash)
	if err != nil {
		return &missingObjectError{path: "/", hash: commit.TreeHash}
	}
	var base *object.Tree
	if len(commit.ParentHashes) > 0 {
		p := commit.ParentHashes[0]
		if _, err := repo.Storer.Reference(plumbing.ReferenceName(MirrorRefPrefix + p.String())); err == nil {
			if pc, err := repo.CommitObject(p); err == nil {
				base, _ = repo.TreeObject(pc.TreeHash)
			}
		}
	}
	return checkTree(repo.Storer, tree, base, "", 0)
}

// checkTree is checkComplete of tree at path, base (nil: none) the same path's tree
// known whole.
func checkTree(s storer.EncodedObjectStorer, tree, base *object.Tree, path string, depth int) error {
	if depth > maxTreeDepth {
		return fmt.Errorf("tree at %q: %w", path, object.ErrMaxTreeDepth)
	}
	var known map[string]object.TreeEntry
	if base != nil {
		known = make(map[string]object.TreeEntry, len(base.Entries))
		for _, e := range base.Entries {
			known[e.Name] = e
		}
	}
	for _, e := range tree.Entries {
		p := joinPath(path, e.Name)
		if k, ok := known[e.Name]; ok && k.Hash == e.Hash && k.Mode == e.Mode {
			continue
		}
		switch e.Mode {
		case filemode.Submodule:
			continue
		case filemode.Dir:
			sub, err := object.GetTree(s, e.Hash)
			if err != nil {
				return &missingObjectError{path: p, hash: e.Hash}
			}
			var subBase *object.Tree
			if k, ok := known[e.Name]; ok && k.Mode == filemode.Dir {
				subBase, _ = object.GetTree(s, k.Hash)
			}
			if err := checkTree(s, sub, subBase, p, depth+1); err != nil {
				return err
			}
		default:
			if err := s.HasEncodedObject(e.Hash); err != nil {
				return &missingObjectError{path: p, hash: e.Hash}
			}
		}
	}
	return nil
}

// joinPath joins a slash path and a name.
func joinPath(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}
