package gitcache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
)

// defaultIdle is how many idle work trees each repository keeps (Options.IdleWorktrees).
const defaultIdle = 2

// idleTree is a work tree a closed checkout left, never written to by its job, kept
// to be moved to the next commit of its repository (gitrepo.Worktree.Reuse) rather
// than writing every file again.
type idleTree struct {
	wt    *gitrepo.Worktree
	since time.Time
}

// pool is the idle work trees of the cache, by repository key. Its lock is taken
// after Cache.mu, never before.
type pool struct {
	mu     sync.Mutex
	trees  map[string][]idleTree
	gen    map[string]uint64 // bumped when the repository goes: its trees may not come back
	closed bool
}

// generation is key's repository's generation: a tree checked out of it is kept idle
// only while it is the same repository.
func (c *Cache) generation(key string) uint64 {
	c.idle.mu.Lock()
	defer c.idle.mu.Unlock()
	return c.idle.gen[key]
}

// takeIdle takes an idle work tree of key's repository, the last one left, or nil.
// No other checkout can take it.
func (c *Cache) takeIdle(key string) *gitrepo.Worktree {
	c.idle.mu.Lock()
	defer c.idle.mu.Unlock()
	ts := c.idle.trees[key]
	if len(ts) == 0 {
		return nil
	}
	t := ts[len(ts)-1]
	c.idle.trees[key] = ts[:len(ts)-1]
	return t.wt
}

// release keeps co's work tree idle, moved to a directory of its own (the path the
// job knew then leads nowhere), and reports whether it did: not when the job may have
// written to it (Repo, Write), the repository is to go (Forget) or went since, the
// cache is closed, or the repository keeps enough idle trees already.
func (c *Cache) release(co *Checkout) bool {
	if c.idleMax <= 0 || co.written.Load() {
		return false
	}
	c.mu.Lock()
	ok := !c.closed && !co.e.forget && c.entries[co.e.key] == co.e
	c.mu.Unlock()
	if !ok {
		return false
	}
	c.idle.mu.Lock()
	defer c.idle.mu.Unlock()
	key := co.e.key
	if c.idle.closed || c.idle.gen[key] != co.gen || len(c.idle.trees[key]) >= c.idleMax {
		return false
	}
	dir, err := os.MkdirTemp(c.work, c.idlePattern())
	if err == nil {
		err = co.wt.Move(dir)
	}
	if err != nil {
		c.log.Warn("git cache: cannot keep a work tree idle", "dir", co.wt.Dir, "error", err)
		if dir != "" {
			_ = os.RemoveAll(dir)
		}
		return false
	}
	c.idle.trees[key] = append(c.idle.trees[key], idleTree{wt: co.wt, since: time.Now()})
	return true
}

// reuse moves wt, an idle work tree of e's repository, to sha in a new checkout
// directory. On error wt is removed.
func (c *Cache) reuse(ctx context.Context, wt *gitrepo.Worktree, r Request, sha string, fetched int64, opts []gitrepo.Option) error {
	dir, err := os.MkdirTemp(c.work, c.checkoutPattern())
	if err == nil {
		if err = wt.Move(dir); err == nil {
			err = wt.Reuse(ctx, sha, r.URL, fetched, opts...)
		}
	}
	if err != nil {
		_ = wt.Remove()
		if dir != "" {
			_ = os.RemoveAll(dir)
		}
	}
	return err
}

// dropIdle removes the idle work trees of key's repository, which goes (or went):
// none of its trees is kept idle after.
func (c *Cache) dropIdle(key string) {
	c.idle.mu.Lock()
	ts := c.idle.trees[key]
	delete(c.idle.trees, key)
	c.idle.gen[key]++
	c.idle.mu.Unlock()
	for _, t := range ts {
		c.removeTree(t.wt)
	}
}

// closeIdle removes every idle work tree and keeps none after.
func (c *Cache) closeIdle() error {
	c.idle.mu.Lock()
	c.idle.closed = true
	all := c.idle.trees
	c.idle.trees = map[string][]idleTree{}
	c.idle.mu.Unlock()
	var errs []error
	for _, ts := range all {
		for _, t := range ts {
			if err := t.wt.Remove(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("git cache: remove idle work trees: %w", err)
	}
	return nil
}

// idleBytes is what the idle work trees take, as the limits count their files.
func (c *Cache) idleBytes() int64 {
	c.idle.mu.Lock()
	defer c.idle.mu.Unlock()
	var n int64
	for _, ts := range c.idle.trees {
		for _, t := range ts {
			n += t.wt.Size
		}
	}
	return n
}

// evictIdle removes idle work trees, the longest idle first, until the cache takes at
// most over fewer bytes, and returns the bytes removed.
func (c *Cache) evictIdle(over int64) int64 {
	type keyed struct {
		key string
		idleTree
	}
	c.idle.mu.Lock()
	var all []keyed
	for k, ts := range c.idle.trees {
		for _, t := range ts {
			all = append(all, keyed{k, t})
		}
	}
	slices.SortFunc(all, func(a, b keyed) int { return a.since.Compare(b.since) })
	var gone []*gitrepo.Worktree
	var n int64
	for _, t := range all {
		if n >= over {
			break
		}
		ts := c.idle.trees[t.key]
		i := slices.IndexFunc(ts, func(x idleTree) bool { return x.wt == t.wt })
		c.idle.trees[t.key] = slices.Delete(ts, i, i+1)
		gone = append(gone, t.wt)
		n += t.wt.Size
	}
	c.idle.mu.Unlock()
	for _, wt := range gone {
		c.removeTree(wt)
	}
	return n
}

// removeTree removes a work tree, saying so when it cannot.
func (c *Cache) removeTree(wt *gitrepo.Worktree) {
	if err := wt.Remove(); err != nil {
		c.log.Warn("git cache: cannot remove an idle work tree", "dir", wt.Dir, "error", err)
	}
}

// checkoutPattern and idlePattern name the directories of checkouts and idle work
// trees in the work directory, with the cache's id: those a killed process left are
// removed at the next start.
func (c *Cache) checkoutPattern() string { return checkoutPrefix + c.id + "-*" }
func (c *Cache) idlePattern() string     { return idlePrefix + c.id + "-*" }
