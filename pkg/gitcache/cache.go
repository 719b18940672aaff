package gitcache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
)

// The cache directory's layout.
const (
	lockFile     = ".lock"  // <dir>/.lock: flock, one process per directory
	reposDir     = "repos"  // <dir>/repos/<key>.git: a bare repository
	workDir      = "work"   // <dir>/work: checkouts and idle work trees unless Options.WorkDir
	fetchingExt  = ".fetch" // <dir>/repos/<key>.fetch: a fetch (or removal) under way
	usedExt      = ".used"  // <dir>/repos/<key>.used: its time is the last use, its text the URL, the name and the scope
	checkoutGlob = "gitcache-checkout-*"
	// <work>/gitcache-checkout-<id>-*, <work>/gitcache-idle-<id>-*: checkouts and idle
	// work trees, <id> the cache's (see Cache.id)
	checkoutPrefix = "gitcache-checkout-"
	idlePrefix     = "gitcache-idle-"
	defaultKeep    = 32 // commits kept as refs (haves) per repository
)

// Options configure New.
type Options struct {
	// Dir is the cache directory, made if absent. Required.
	Dir string
	// MaxBytes is the disk budget of the cached repositories and their idle work trees
	// (not of checkouts in use): past it, the idle work trees are removed first, the
	// longest idle first, then the least recently used repositories that no job is
	// using. 0: no bound.
	MaxBytes int64
	// IdleWorktrees is how many work trees of each repository are kept after their
	// checkouts close (those whose job never wrote to them), each moved to the commit
	// of a later checkout by writing only the files that differ (default 2; negative:
	// none, every checkout writes every file).
	IdleWorktrees int
	// WorkDir is where checkouts and idle work trees are made (default: <Dir>/work, so
	// that the idle trees the budget counts are on the cache's own volume; an idle tree
	// is renamed, never copied, so it stays on WorkDir's file system).
	WorkDir string
	// KeepCommits is how many fetched commits each repository keeps as refs, offered
	// to the remote as haves (default 32).
	KeepCommits int
	// Log receives what the cache does (default: discard). It never carries credentials.
	Log *slog.Logger
}

// Cache is a directory of bare repositories, one per remote repository. Its methods
// are safe for concurrent use.
type Cache struct {
	dir, repos, work string
	id               string // names its checkouts and idle trees in work: a hash of dir
	budget           int64
	keep             int
	idleMax          int
	log              *slog.Logger
	lock             *os.File
	idle             pool

	mu      sync.Mutex
	entries map[string]*entry
	closed  bool
}

// entry is one cached repository.
type entry struct {
	key string
	sem chan struct{} // held while the repository changes: fetch, repair, removal

	// Under Cache.mu:
	pins   int       // jobs and checkouts using it: never removed while > 0
	size   int64     // bytes on disk, as of its last change
	used   time.Time // last use
	url    string    // the remote, without credentials ("" when not known)
	name   string    // Request.Name ("" when not known)
	scope  string    // Request.Scope (known with url)
	forget bool      // Forget was asked for: removed once pins is 0
}

// New opens the cache in o.Dir, taking its lock (an error if another process holds
// it), repairs what a killed process left (partial fetches, work tree records, their
// checkouts), and removes repositories past the budget.
func New(o Options) (*Cache, error) {
	if o.Dir == "" {
		return nil, errors.New("git cache: no directory given")
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("git cache %s: %w", o.Dir, err)
	}
	if o.MaxBytes < 0 {
		return nil, fmt.Errorf("git cache %s: negative size %d", dir, o.MaxBytes)
	}
	c := &Cache{dir: dir, repos: filepath.Join(dir, reposDir), work: o.WorkDir, budget: o.MaxBytes, keep: o.KeepCommits,
		idleMax: o.IdleWorktrees, log: o.Log, entries: map[string]*entry{},
		idle: pool{trees: map[string][]idleTree{}, gen: map[string]uint64{}}}
	sum := sha256.Sum256([]byte(dir))
	c.id = hex.EncodeToString(sum[:8])
	if c.idleMax == 0 {
		c.idleMax = defaultIdle
	}
	if c.work == "" {
		c.work = filepath.Join(dir, workDir)
	}
	if c.work, err = filepath.Abs(c.work); err != nil {
		return nil, fmt.Errorf("git cache work directory %s: %w", o.WorkDir, err)
	}
	if c.keep <= 0 {
		c.keep = defaultKeep
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	for _, d := range []string{c.repos, c.work} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return nil, fmt.Errorf("create git cache %s: %w", d, err)
		}
	}
	if c.lock, err = lockDir(filepath.Join(dir, lockFile)); err != nil {
		return nil, err
	}
	if err := c.repairAll(); err != nil {
		_ = c.lock.Close()
		return nil, err
	}
	c.evict()
	return c, nil
}

// Dir is the cache directory.
func (c *Cache) Dir() string { return c.dir }

// Close removes the idle work trees and releases the cache directory's lock.
// Checkouts still open stay usable until their Close, which removes them.
func (c *Cache) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	err := c.closeIdle()
	if lerr := c.lock.Close(); lerr != nil {
		err = errors.Join(err, fmt.Errorf("release git cache lock of %s: %w", c.dir, lerr))
	}
	return err
}

// Usage is the bytes the cached repositories take, as of their last change, with
// their idle work trees (as the limits count their files), and how many repositories
// there are.
func (c *Cache) Usage() (bytes int64, repos int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.entries {
		bytes += e.size
	}
	return bytes + c.idleBytes(), len(c.entries)
}

func (c *Cache) bare(key string) string     { return filepath.Join(c.repos, key+".git") }
func (c *Cache) marker(key string) string   { return filepath.Join(c.repos, key+fetchingExt) }
func (c *Cache) usedFile(key string) string { return filepath.Join(c.repos, key+usedExt) }

// pin returns the entry of url's repository, made if new, pinned: not removed until
// unpin.
func (c *Cache) pin(r Request) (*entry, error) {
	key := Key(r.Scope, r.URL)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, fmt.Errorf("git cache %s is closed", c.dir)
	}
	e := c.entries[key]
	if e == nil {
		e = &entry{key: key, sem: make(chan struct{}, 1)}
		c.entries[key] = e
	}
	if e.url == "" {
		e.url, e.scope = gitrepo.RedactURL(r.URL), r.Scope
	}
	if r.Name != "" {
		e.name = r.Name
	}
	e.pins++
	return e, nil
}

// unpin ends a use of e begun by pin and records its time (and its URL and name, for
// Forget after a restart) in its used file; the last use of a repository Forget was
// asked for removes it.
func (c *Cache) unpin(e *entry) {
	now := time.Now()
	c.mu.Lock()
	e.pins--
	e.used = now
	gone := e.pins == 0 && e.forget && c.dropLocked(e)
	c.mu.Unlock()
	if !gone {
		_ = os.WriteFile(c.usedFile(e.key), []byte(e.url+"\n"+e.name+"\n"+e.scope+"\n"), 0o640)
	}
}

// lock waits for e's lock, or for ctx.
func (e *entry) lock(ctx context.Context) error {
	select {
	case e.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for the git cache's lock of a repository: %w", ctx.Err())
	}
}

func (e *entry) unlock() { <-e.sem }

// setSize records the size of e's repository on disk.
func (c *Cache) setSize(e *entry) {
	n := diskUsage(c.bare(e.key))
	c.mu.Lock()
	e.size = n
	c.mu.Unlock()
}

// diskUsage is the bytes the files under dir take, each rounded up to a 4 KiB block.
func diskUsage(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			n += (fi.Size() + 4095) &^ 4095
		}
		return nil
	})
	return n
}
