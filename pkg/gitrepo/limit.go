package gitrepo

import (
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// ErrTooLarge is wrapped by the error of a clone or fetch that would take more bytes
// than WithMaxBytes allows. The error text names the repository and the limit.
var ErrTooLarge = errors.New("git repository too large")

// tooLargeError reads "git repository https://host/r.git is too large: its fetch
// exceeds the limit of 512 MiB" and matches ErrTooLarge with errors.Is.
type tooLargeError struct {
	url   string // already redacted
	what  string // "its fetch", "its files at <sha>"
	limit int64
}

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("git repository %s is too large: %s exceeds the limit of %s", e.url, e.what, byteSize(e.limit))
}

func (e *tooLargeError) Unwrap() error { return ErrTooLarge }

// byteSize prints n in the largest binary unit that divides it, else in bytes.
func byteSize(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return fmt.Sprintf("%d %s", n/u.size, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}

// cappedStorage is a repository's storage whose fetches may write at most max bytes
// of pack (max ≤ 0: no bound, the bytes only counted): go-git streams what the remote sends into PackfileWriter, whatever the
// transport (http, ssh, git, file), so counting there stops a fetch before it fills
// the disk.
type cappedStorage struct {
	*filesystem.Storage
	max  int64
	url  string
	used atomic.Int64 // bytes of pack written by the first fetch (the clone's)
}

func (s *cappedStorage) PackfileWriter() (io.WriteCloser, error) {
	w, err := s.Storage.PackfileWriter()
	if err != nil {
		return nil, err
	}
	return &cappedWriter{WriteCloser: w, s: s, left: s.max, err: &tooLargeError{url: s.url, what: "its fetch", limit: s.max}}, nil
}

// packBytes is what the clone's fetch wrote (0 without a bound).
func packBytes(st storage.Storer) int64 {
	if s, ok := st.(*cappedStorage); ok {
		return s.used.Load()
	}
	return 0
}

type cappedWriter struct {
	io.WriteCloser
	s    *cappedStorage
	left int64
	err  error
}

func (w *cappedWriter) Write(p []byte) (int, error) {
	if w.s.max > 0 && int64(len(p)) > w.left {
		w.left = -1
		return 0, w.err
	}
	if w.s.max > 0 {
		w.left -= int64(len(p))
	}
	w.s.used.Add(int64(len(p)))
	return w.WriteCloser.Write(p)
}

// Close of a pack cut short reports the limit, not the broken pack.
func (w *cappedWriter) Close() error {
	err := w.WriteCloser.Close()
	if w.left < 0 {
		return w.err
	}
	return err
}

// entryBytes is what each file or directory of a checkout is counted at on top of its
// contents: a file system block.
const entryBytes = 4096

// checkTreeSize fails when the files of commit c, with the pack fetched, take more
// than max bytes (each entry counted at entryBytes more), before they are checked out: a pack within the limit may hold a
// blob that inflates to far more (a file of zeros compresses a thousandfold).
func checkTreeSize(repo *git.Repository, c plumbing.Hash, max int64, url string) error {
	return checkTreeSizeFrom(repo, c, max, packBytes(repo.Storer), url)
}

// checkTreeSizeFrom is checkTreeSize with the bytes already taken (a fetch made
// before) given.
func checkTreeSizeFrom(repo *git.Repository, c plumbing.Hash, max, total int64, url string) error {
	if max <= 0 {
		return nil
	}
	commit, err := repo.CommitObject(c)
	if err != nil {
		return fmt.Errorf("read commit %s of %s: %w", c, url, err)
	}
	tree, err := commit.Tree()
	if err != nil {
		return fmt.Errorf("read the tree of %s in %s: %w", c, url, err)
	}
	w := object.NewTreeWalker(tree, true, nil)
	defer w.Close()
	for {
		_, e, err := w.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read the tree of %s in %s: %w", c, url, err)
		}
		// Every entry takes a block and an inode on disk, whatever its size: a tree of
		// a few kilobytes can name millions of empty files (a "git bomb").
		if total += entryBytes; total > max {
			return &tooLargeError{url: url, what: "its fetch with its files at " + c.String()[:12], limit: max}
		}
		if !e.Mode.IsFile() {
			continue // directories, submodules
		}
		obj, err := repo.Storer.EncodedObject(plumbing.BlobObject, e.Hash)
		if err != nil {
			return fmt.Errorf("read %s at %s in %s: %w", e.Name, c, url, err)
		}
		if total += obj.Size(); total > max {
			return &tooLargeError{url: url, what: "its fetch with its files at " + c.String()[:12], limit: max}
		}
	}
}
