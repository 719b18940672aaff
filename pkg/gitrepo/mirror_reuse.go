package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// racyWindow is how close to the index's last write a file's times may be and still
// be read again before the work tree is trusted: a file written within the same tick
// of the file system's clock as the checkout wrote it keeps the same times (git's
// "racily clean" files).
var racyWindow = time.Second

// errNotMovable is what a move does not do (a fresh checkout does).
var errNotMovable = errors.New("not moved")

// ErrWorktreeChanged is wrapped by the error of Reuse when the work tree is not the
// checkout it was left as: a file added (an ignored one too), changed, removed,
// replaced (by a symbolic link, a directory, another type), or its record changed.
var ErrWorktreeChanged = errors.New("work tree changed since its checkout")

// Move renames the work tree's directory to dir (absent, or an empty directory, on
// the same file system) and its record in the bare repository with it, for a caller
// that keeps work trees between uses under names of its own: the old path leads
// nowhere after. A failure may leave the work tree unusable: Remove it.
func (w *Worktree) Move(dir string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("move work tree %s: %w", w.Dir, err)
	}
	record := filepath.Join(filepath.Dir(w.record), filepath.Base(dir))
	if record != w.record {
		if err := os.Rename(w.record, record); err != nil {
			return fmt.Errorf("move work tree record %s: %w", w.record, err)
		}
		w.record = record
	}
	if err := os.WriteFile(filepath.Join(record, "gitdir"), []byte(filepath.Join(dir, ".git")+"\n"), 0o644); err != nil {
		return fmt.Errorf("move work tree %s: %w", w.Dir, err)
	}
	// os.Rename refuses an existing directory, even empty: it goes first (a directory
	// that is not empty stays, and the rename fails).
	if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("move work tree %s to %s: %w", w.Dir, dir, err)
	}
	if err := os.Rename(w.Dir, dir); err != nil {
		return fmt.Errorf("move work tree %s to %s: %w", w.Dir, dir, err)
	}
	w.Dir = dir
	if err := os.WriteFile(filepath.Join(dir, ".git"), []byte("gitdir: "+record+"\n"), 0o644); err != nil {
		return fmt.Errorf("move work tree %s: %w", dir, err)
	}
	return nil
}

// Reuse checks the commit sha (or the commit an annotated tag sha names) of the work
// tree's bare repository out in the work tree, which a previous AddWorktree or Reuse
// made and nobody wrote to since: only the files that differ between the two commits
// are written (removed first, each written anew, never through an existing file or a
// symbolic link out of the work tree). The files written, with fetched, must fit
// WithMaxBytes (else the error wraps ErrTooLarge).
//
// First the work tree is checked against its index, and the index and HEAD against
// what the last checkout wrote: a file or directory the index does not name (an
// ignored file too), one it names that is missing, changed (its size, times, inode or
// type; a file whose times are within racyWindow of the index's write is read and
// hashed), a symbolic link, device or socket where the index has none, or a file with
// more than one link fails with ErrWorktreeChanged, before anything is written. Any
// error leaves the work tree unusable: Remove it and check out anew.
func (w *Worktree) Reuse(ctx context.Context, sha, url string, fetched int64, opts ...Option) error {
	o := makeOptions(opts)
	safe := RedactURL(url)
	if err := ctx.Err(); err != nil {
		return err
	}
	idx, err := w.verify()
	if err != nil {
		return err
	}
	st := filesystem.NewStorage(osfs.New(w.bare), cache.NewObjectLRUDefault())
	from, err := commitTree(st, plumbing.NewHash(w.Revision))
	if err != nil {
		return fmt.Errorf("reuse work tree %s: %w", w.Dir, err)
	}
	c, err := peelIn(st, plumbing.NewHash(sha))
	if err != nil {
		return fmt.Errorf("check out %s of %s: %w", sha, safe, err)
	}
	to, err := commitTree(st, c)
	if err != nil {
		return fmt.Errorf("check out %s of %s: %w: %w", c, safe, ErrMirrorIncomplete, err)
	}
	var steps []moveStep
	if err := diffTrees(st, from, to, "", 0, &steps); err != nil {
		return fmt.Errorf("check out %s of %s in %s: %w", c, safe, w.Dir, err)
	}
	total, added, removed := fetched, int64(0), int64(0)
	for _, s := range steps {
		if s.write {
			added += entryBytes + s.size
		}
		if s.remove {
			removed += entryBytes
			if s.old.Mode.IsFile() {
				if n, err := blobSize(st, s.old.Hash, s.path); err == nil {
					removed += n
				}
			} else if t, err := object.GetTree(st, s.old.Hash); err == nil {
				n, _ := treeBytes(st, t, s.path, 0, 0, 0, nil)
				removed += n
			}
		}
	}
	if total += added; o.maxBytes > 0 && total > o.maxBytes {
		return &tooLargeError{url: safe, what: "its fetch with the files changed at " + c.String()[:12], limit: o.maxBytes}
	}
	if err := w.apply(ctx, st, idx, steps); err != nil {
		return fmt.Errorf("check out %s of %s in %s: %w", c, safe, w.Dir, err)
	}
	if err := os.WriteFile(filepath.Join(w.record, "HEAD"), []byte(c.String()+"\n"), 0o644); err != nil {
		return fmt.Errorf("check out %s of %s in %s: %w", c, safe, w.Dir, err)
	}
	w.Revision = c.String()
	w.Size += added - removed
	return nil
}

// commitTree is the tree of commit c in st, a missing one an error.
func commitTree(st *filesystem.Storage, c plumbing.Hash) (*object.Tree, error) {
	commit, err := object.GetCommit(st, c)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", c, err)
	}
	t, err := object.GetTree(st, commit.TreeHash)
	if err != nil {
		return nil, &missingObjectError{path: "/", hash: commit.TreeHash}
	}
	return t, nil
}

// changed is an ErrWorktreeChanged error naming what changed.
func (w *Worktree) changed(format string, args ...any) error {
	return fmt.Errorf("work tree %s: %s: %w", w.Dir, fmt.Sprintf(format, args...), ErrWorktreeChanged)
}

// verify checks the work tree against its index, and its index and HEAD against what
// the last checkout wrote (see Reuse), and returns the index.
func (w *Worktree) verify() (*index.Index, error) {
	if w.index.ModifiedAt.IsZero() {
		return nil, w.changed("no index recorded")
	}
	if fi, err := os.Lstat(w.Dir); err != nil || !fi.IsDir() {
		return nil, w.changed("not a directory")
	}
	head, err := os.ReadFile(filepath.Join(w.record, "HEAD"))
	if err != nil || string(head) != w.Revision+"\n" {
		return nil, w.changed("HEAD moved")
	}
	idxPath := filepath.Join(w.record, "index")
	fi, err := os.Lstat(idxPath)
	if err != nil {
		return nil, w.changed("index: %v", err)
	}
	if s, _, ok := statOf(fi); !ok || !sameStat(s, w.index) || !fi.Mode().IsRegular() {
		return nil, w.changed("index rewritten")
	}
	b, err := os.ReadFile(idxPath)
	if err != nil {
		return nil, w.changed("index: %v", err)
	}
	idx := &index.Index{}
	if err := index.NewDecoder(bytes.NewReader(b)).Decode(idx); err != nil {
		return nil, w.changed("index: %v", err)
	}
	entries := make(map[string]*index.Entry, len(idx.Entries))
	dirs := map[string]bool{}
	for _, e := range idx.Entries {
		switch {
		case e.Stage != 0 || e.SkipWorktree || e.IntentToAdd:
			return nil, w.changed("index entry %q not checked out", e.Name)
		case e.Mode != filemode.Regular && e.Mode != filemode.Executable && e.Mode != filemode.Symlink:
			return nil, w.changed("index entry %q of mode %s", e.Name, e.Mode)
		case entries[e.Name] != nil:
			return nil, w.changed("index entry %q twice", e.Name)
		}
		entries[e.Name] = e
		for d := e.Name; ; {
			i := strings.LastIndexByte(d, '/')
			if i < 0 {
				break
			}
			d = d[:i]
			if dirs[d] {
				break
			}
			dirs[d] = true
		}
	}
	racy := w.index.ModifiedAt.Add(-racyWindow)
	seen := 0
	var walk func(rel string) error
	walk = func(rel string) error {
		des, err := os.ReadDir(filepath.Join(w.Dir, filepath.FromSlash(rel)))
		if err != nil {
			return w.changed("read %q: %v", rel, err)
		}
		for _, de := range des {
			p := joinPath(rel, de.Name())
			if rel == "" && de.Name() == ".git" {
				b, err := os.ReadFile(filepath.Join(w.Dir, ".git"))
				if !de.Type().IsRegular() || err != nil || string(b) != "gitdir: "+w.record+"\n" {
					return w.changed(".git changed")
				}
				continue
			}
			switch typ := de.Type(); {
			case typ.IsDir():
				if !dirs[p] {
					return w.changed("directory %q added", p)
				}
				if err := walk(p); err != nil {
					return err
				}
			case typ.IsRegular() || typ&fs.ModeSymlink != 0:
				e := entries[p]
				if e == nil {
					return w.changed("file %q added", p)
				}
				seen++
				if err := w.checkFile(p, de, e, racy); err != nil {
					return err
				}
			default:
				return w.changed("%q is a %s", p, typ)
			}
		}
		return nil
	}
	if err := walk(""); err != nil {
		return nil, err
	}
	if seen != len(entries) {
		return nil, w.changed("%d files removed", len(entries)-seen)
	}
	return idx, nil
}

// checkFile checks the file at p (de) against its index entry e; a file whose times
// are after racy is read and hashed.
func (w *Worktree) checkFile(p string, de fs.DirEntry, e *index.Entry, racy time.Time) error {
	fi, err := de.Info()
	if err != nil {
		return w.changed("%q: %v", p, err)
	}
	link := fi.Mode()&fs.ModeSymlink != 0
	switch {
	case link != (e.Mode == filemode.Symlink):
		return w.changed("%q changed type", p)
	case !link && (fi.Mode().Perm()&0o100 != 0) != (e.Mode == filemode.Executable):
		return w.changed("%q changed mode", p)
	}
	s, links, ok := statOf(fi)
	if !ok || links != 1 || !sameStat(s, *e) {
		return w.changed("%q changed", p)
	}
	// A symbolic link is always read: go-git's checkout writes an absolute target
	// as one inside the work tree, which is not what the index names.
	if !link && s.CreatedAt.Before(racy) && s.ModifiedAt.Before(racy) {
		return nil
	}
	full := filepath.Join(w.Dir, filepath.FromSlash(p))
	var content []byte
	if link {
		t, err := os.Readlink(full)
		if err != nil {
			return w.changed("%q: %v", p, err)
		}
		content = []byte(t)
	} else if content, err = os.ReadFile(full); err != nil {
		return w.changed("%q: %v", p, err)
	}
	if plumbing.ComputeHash(plumbing.BlobObject, content) != e.Hash {
		return w.changed("%q changed", p)
	}
	return nil
}

// sameStat reports whether two index entries' stat fields are the same.
func sameStat(a, b index.Entry) bool {
	return a.CreatedAt.Equal(b.CreatedAt) && a.ModifiedAt.Equal(b.ModifiedAt) && a.Size == b.Size &&
		a.Dev == b.Dev && a.Inode == b.Inode && a.UID == b.UID && a.GID == b.GID
}

// snapshotIndex records the stat of the record's index, as just written.
func (w *Worktree) snapshotIndex() error {
	fi, err := os.Lstat(filepath.Join(w.record, "index"))
	if err != nil {
		return fmt.Errorf("work tree %s: %w", w.Dir, err)
	}
	w.index, _, _ = statOf(fi)
	return nil
}

// apply makes steps in the work tree, through an os.Root of it (nothing is written
// outside, whatever symbolic links it holds), updates idx and writes it.
func (w *Worktree) apply(ctx context.Context, st *filesystem.Storage, idx *index.Index, steps []moveStep) error {
	root, err := os.OpenRoot(w.Dir)
	if err != nil {
		return err
	}
	defer root.Close()
	entries := make(map[string]*index.Entry, len(idx.Entries))
	for _, e := range idx.Entries {
		entries[e.Name] = e
	}
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := filepath.FromSlash(s.path)
		if s.remove {
			if s.old.Mode == filemode.Dir {
				if err := root.RemoveAll(name); err != nil {
					return err
				}
				for n := range entries {
					if strings.HasPrefix(n, s.path+"/") {
						delete(entries, n)
					}
				}
			} else if err := root.Remove(name); err != nil {
				return err
			}
			delete(entries, s.path)
		}
		if !s.write {
			continue
		}
		if s.entry.Mode == filemode.Dir {
			if err := root.Mkdir(name, 0o755); err != nil {
				return err
			}
			continue
		}
		if _, had := entries[s.path]; had {
			if err := root.Remove(name); err != nil {
				return err
			}
		}
		if err := writeBlob(root, st, name, s.entry); err != nil {
			return fmt.Errorf("write %q: %w", s.path, err)
		}
		fi, err := root.Lstat(name)
		if err != nil {
			return err
		}
		e, _, ok := statOf(fi)
		if !ok {
			return fmt.Errorf("stat %q: no system stat", s.path)
		}
		e.Name, e.Hash, e.Mode = s.path, s.entry.Hash, s.entry.Mode
		if e.Mode == filemode.Deprecated {
			e.Mode = filemode.Regular
		}
		entries[s.path] = &e
	}
	idx.Entries = idx.Entries[:0]
	for _, e := range entries {
		idx.Entries = append(idx.Entries, e)
	}
	var buf bytes.Buffer
	if err := index.NewEncoder(&buf).Encode(idx); err != nil {
		return fmt.Errorf("encode the index: %w", err)
	}
	tmp := filepath.Join(w.record, "index.lock")
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(w.record, "index")); err != nil {
		return err
	}
	return w.snapshotIndex()
}

// writeBlob writes the blob of e at name in root: a new file (never one that exists),
// or a symbolic link.
func writeBlob(root *os.Root, st *filesystem.Storage, name string, e object.TreeEntry) (err error) {
	blob, err := object.GetBlob(st, e.Hash)
	if err != nil {
		return err
	}
	r, err := blob.Reader()
	if err != nil {
		return err
	}
	defer r.Close()
	if e.Mode == filemode.Symlink {
		target, err := io.ReadAll(io.LimitReader(r, 4096))
		if err != nil {
			return err
		}
		if t := string(target); filepath.IsAbs(t) || strings.HasPrefix(t, "/") {
			// go-git's checkout makes it a link inside the work tree, which a move
			// would break: checked out anew.
			return fmt.Errorf("%w: an absolute symbolic link", errNotMovable)
		}
		return root.Symlink(string(target), name)
	}
	perm := os.FileMode(0o644)
	if e.Mode == filemode.Executable {
		perm = 0o755
	}
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	_, err = io.Copy(f, r)
	return err
}
