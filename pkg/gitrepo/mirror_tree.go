package gitrepo

import (
	"errors"
	"fmt"
	"strings"

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

// validName reports whether name may be a file or directory of a checkout: not empty,
// ".", "..", nor .git (in any case, with trailing dots or spaces, or its 8.3 short
// name), without a slash, a backslash or a NUL.
func validName(name string) bool {
	switch {
	case name == "" || name == "." || name == "..":
		return false
	case strings.ContainsAny(name, "/\\\x00"):
		return false
	case strings.EqualFold(strings.TrimRight(name, ". "), ".git"), strings.EqualFold(name, "git~1"):
		return false
	}
	return true
}

// errSubmodule refuses to move a work tree across a submodule (go-git's checkout makes
// them; a move does not).
var errSubmodule = errors.New("a submodule changes")

// treeBytes is what the files of tree take as a checkout counts them (each entry
// entryBytes, each file its size too), added to total; past max (> 0) it fails with a
// tooLargeError. Unlike go-git's tree walker, a missing tree or blob is an error
// (a missingObjectError), as is a name a checkout must not write (.git).
func treeBytes(s storer.EncodedObjectStorer, tree *object.Tree, path string, depth int, total, max int64, tooLarge func() error) (int64, error) {
	if depth > maxTreeDepth {
		return total, fmt.Errorf("tree at %q: %w", path, object.ErrMaxTreeDepth)
	}
	for _, e := range tree.Entries {
		p := joinPath(path, e.Name)
		if !validName(e.Name) {
			return total, fmt.Errorf("invalid file name %q in the tree at %q", e.Name, path)
		}
		if total += entryBytes; max > 0 && total > max {
			return total, tooLarge()
		}
		switch {
		case e.Mode == filemode.Dir:
			sub, err := object.GetTree(s, e.Hash)
			if err != nil {
				return total, &missingObjectError{path: p, hash: e.Hash}
			}
			if total, err = treeBytes(s, sub, p, depth+1, total, max, tooLarge); err != nil {
				return total, err
			}
		case e.Mode.IsFile():
			n, err := blobSize(s, e.Hash, p)
			if err != nil {
				return total, err
			}
			if total += n; max > 0 && total > max {
				return total, tooLarge()
			}
		}
	}
	return total, nil
}

// blobSize is the size of the blob h (at path, for the error).
func blobSize(s storer.EncodedObjectStorer, h plumbing.Hash, path string) (int64, error) {
	obj, err := s.EncodedObject(plumbing.BlobObject, h)
	if err != nil {
		return 0, &missingObjectError{path: path, hash: h}
	}
	return obj.Size(), nil
}

// moveStep is one change of a work tree moved from one tree to another: what is at
// path goes (remove, old its entry), then entry is written there (write; a directory
// before what it holds).
type moveStep struct {
	path   string
	remove bool
	old    object.TreeEntry
	write  bool
	entry  object.TreeEntry
	size   int64 // the blob's size (files)
}

// diffTrees appends to steps what moves a checkout of from to one of to, path their
// place: the subtrees and files they share are not looked at. Every name written is
// checked (validName) and every object written read (a missing one is an error); a
// submodule on either side fails with errSubmodule.
func diffTrees(s storer.EncodedObjectStorer, from, to *object.Tree, path string, depth int, steps *[]moveStep) error {
	if depth > maxTreeDepth {
		return fmt.Errorf("tree at %q: %w", path, object.ErrMaxTreeDepth)
	}
	old := make(map[string]object.TreeEntry, len(from.Entries))
	for _, e := range from.Entries {
		old[e.Name] = e
	}
	for _, e := range to.Entries {
		p := joinPath(path, e.Name)
		o, had := old[e.Name]
		delete(old, e.Name)
		if had && o.Hash == e.Hash && o.Mode == e.Mode {
			continue
		}
		if e.Mode == filemode.Submodule || had && o.Mode == filemode.Submodule {
			return fmt.Errorf("%q: %w", p, errSubmodule)
		}
		if had && o.Mode == filemode.Dir && e.Mode == filemode.Dir {
			ft, err := object.GetTree(s, o.Hash)
			if err != nil {
				return &missingObjectError{path: p, hash: o.Hash}
			}
			tt, err := object.GetTree(s, e.Hash)
			if err != nil {
				return &missingObjectError{path: p, hash: e.Hash}
			}
			if err := diffTrees(s, ft, tt, p, depth+1, steps); err != nil {
				return err
			}
			continue
		}
		if had {
			*steps = append(*steps, moveStep{path: p, remove: true, old: o})
		}
		if err := addSteps(s, e, p, depth, steps); err != nil {
			return err
		}
	}
	for _, o := range from.Entries {
		if _, gone := old[o.Name]; gone {
			if o.Mode == filemode.Submodule {
				return fmt.Errorf("%q: %w", joinPath(path, o.Name), errSubmodule)
			}
			*steps = append(*steps, moveStep{path: joinPath(path, o.Name), remove: true, old: o})
		}
	}
	return nil
}

// addSteps appends the writes of e at path, and of all it holds when a directory.
func addSteps(s storer.EncodedObjectStorer, e object.TreeEntry, path string, depth int, steps *[]moveStep) error {
	if !validName(e.Name) {
		return fmt.Errorf("invalid file name %q at %q", e.Name, path)
	}
	if depth > maxTreeDepth {
		return fmt.Errorf("tree at %q: %w", path, object.ErrMaxTreeDepth)
	}
	switch {
	case e.Mode == filemode.Submodule:
		return fmt.Errorf("%q: %w", path, errSubmodule)
	case e.Mode == filemode.Dir:
		*steps = append(*steps, moveStep{path: path, write: true, entry: e})
		sub, err := object.GetTree(s, e.Hash)
		if err != nil {
			return &missingObjectError{path: path, hash: e.Hash}
		}
		for _, c := range sub.Entries {
			if err := addSteps(s, c, joinPath(path, c.Name), depth+1, steps); err != nil {
				return err
			}
		}
		return nil
	case e.Mode.IsFile():
		n, err := blobSize(s, e.Hash, path)
		if err != nil {
			return err
		}
		*steps = append(*steps, moveStep{path: path, write: true, entry: e, size: n})
		return nil
	}
	return fmt.Errorf("%q: unknown file mode %s", path, e.Mode)
}
