package gitcache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"github.com/go-git/go-git/v5/plumbing/transport"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
)

// Request is what one job reads.
type Request struct {
	// URL is the remote repository (https://host/owner/repo.git, any URL gitrepo takes).
	URL string
	// Auth is the credentials for the remote (gitrepo.TokenAuth for GitHub).
	Auth transport.AuthMethod
	// Ref is a full commit sha, or a branch, tag or full ref name, or "" for the default
	// branch: names are resolved on the remote at every call, never from the cache.
	Ref string
	// MaxBytes bounds what this job fetches and checks out together (0: no bound);
	// beyond it the error wraps gitrepo.ErrTooLarge.
	MaxBytes int64
	// Name is what the caller knows the repository by (the bot: GitHub's owner/name),
	// kept beside it for ForgetName; "" leaves the name it has.
	Name string
	// Scope is whose copy of the repository this is (the bot: its installation): a
	// request of another scope, even for the same URL, never reads this copy nor what
	// was fetched into it with this scope's credentials, so that a commit the cache
	// holds is only served to the credentials it was fetched with. "" is a scope too.
	Scope string
}

// Checkout is one commit of a cached repository checked out into a new directory, a
// git work tree (pkg/source opens it in place). Close removes it, or keeps it idle for
// a later checkout when its job only read it (see Options.IdleWorktrees).
type Checkout struct {
	// Dir is the work tree's root.
	Dir string
	// Revision is the full sha of the commit.
	Revision string
	// Fetched is the bytes of pack this checkout fetched (0: the cache held it).
	Fetched int64
	// Reused says an idle work tree of an earlier checkout was moved to the commit
	// (only the files that differ written) rather than every file written.
	Reused bool

	c       *Cache
	e       *entry
	wt      *gitrepo.Worktree
	gen     uint64 // the repository's generation when checked out (see pool)
	req     Request
	once    sync.Once
	closed  atomic.Bool
	written atomic.Bool // Repo or Write was called: never kept idle
}

// Checkout resolves r.Ref, fetches its commit into the repository's cache unless the
// cache holds it, and checks it out into a new directory. A cached repository found
// broken is removed and the checkout done again from nothing, once.
func (c *Cache) Checkout(ctx context.Context, r Request) (*Checkout, error) {
	safe := gitrepo.RedactURL(r.URL)
	opts := []gitrepo.Option{gitrepo.WithAuth(r.Auth), gitrepo.WithMaxBytes(r.MaxBytes), gitrepo.WithLogger(c.log)}
	sha, err := gitrepo.ResolveRemote(ctx, r.URL, r.Ref, opts...)
	if err != nil {
		return nil, err
	}
	e, err := c.pin(r)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		co, err := c.checkout(ctx, e, r, sha, opts)
		if err == nil {
			return co, nil
		}
		var werr *worktreeError
		if attempt > 0 || !errors.As(err, &werr) && !errors.Is(err, gitrepo.ErrMirrorIncomplete) || errors.Is(err, gitrepo.ErrTooLarge) || ctx.Err() != nil || !c.dropIfAlone(ctx, e, err) {
			c.unpin(e)
			c.evict()
			return nil, err
		}
		c.log.Info("git cache: checking out again from nothing", "url", safe, "commit", sha)
	}
}

// checkout fetches sha under e's lock if need be, then checks it out without it.
func (c *Cache) checkout(ctx context.Context, e *entry, r Request, sha string, opts []gitrepo.Option) (*Checkout, error) {
	if err := e.lock(ctx); err != nil {
		return nil, err
	}
	fetched, err := c.fetch(ctx, e, r, sha, opts)
	e.unlock()
	if err != nil {
		return nil, err
	}
	c.evict()
	safe := gitrepo.RedactURL(r.URL)
	gen := c.generation(e.key)
	if wt := c.takeIdle(e.key); wt != nil {
		err := c.reuse(ctx, wt, r, sha, fetched, opts)
		if err == nil {
			c.log.Debug("git cache: checked out (an idle work tree moved)", "url", safe, "commit", wt.Revision, "fetched_bytes", fetched, "dir", wt.Dir)
			return &Checkout{Dir: wt.Dir, Revision: wt.Revision, Fetched: fetched, Reused: true, c: c, e: e, wt: wt, gen: gen, req: r}, nil
		}
		if errors.Is(err, gitrepo.ErrTooLarge) || ctx.Err() != nil {
			return nil, err
		}
		c.log.Info("git cache: an idle work tree was not reused; checking out anew", "url", safe, "commit", sha, "error", err)
	}
	dir, err := os.MkdirTemp(c.work, c.checkoutPattern())
	if err != nil {
		return nil, fmt.Errorf("git cache: make a checkout directory: %w", err)
	}
	wt, err := gitrepo.AddWorktree(ctx, c.bare(e.key), sha, dir, r.URL, fetched, opts...)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, &worktreeError{err}
	}
	c.log.Debug("git cache: checked out", "url", safe, "commit", wt.Revision, "fetched_bytes", fetched, "dir", dir)
	return &Checkout{Dir: wt.Dir, Revision: wt.Revision, Fetched: fetched, c: c, e: e, wt: wt, gen: gen, req: r}, nil
}

// fetch makes e's repository hold sha; the caller holds e's lock. The marker beside
// the repository stays while it changes, so that a process killed meanwhile leaves a
// repository the next start repairs.
func (c *Cache) fetch(ctx context.Context, e *entry, r Request, sha string, opts []gitrepo.Option) (int64, error) {
	if err := c.repair(e.key); err != nil {
		return 0, err
	}
	marker := c.marker(e.key)
	if err := os.WriteFile(marker, nil, 0o640); err != nil {
		return 0, fmt.Errorf("git cache: mark %s: %w", marker, err)
	}
	bare := c.bare(e.key)
	n, err := gitrepo.FetchCommit(ctx, bare, r.URL, sha, opts...)
	if err == nil {
		err = gitrepo.TrimMirrorRefs(bare, c.keep)
	}
	if err != nil {
		// What the fetch left half-written goes; a repository that cannot be trusted too.
		if rerr := c.repair(e.key); rerr != nil {
			return n, errors.Join(err, rerr)
		}
		c.setSize(e)
		return n, err
	}
	if err := os.Remove(marker); err != nil {
		return n, fmt.Errorf("git cache: remove %s: %w", marker, err)
	}
	if n > 0 {
		c.setSize(e)
	}
	return n, nil
}

// dropIfAlone removes e's repository after err, when no other job uses it, and
// reports whether it did.
func (c *Cache) dropIfAlone(ctx context.Context, e *entry, err error) bool {
	if lerr := e.lock(ctx); lerr != nil {
		return false
	}
	defer e.unlock()
	c.mu.Lock()
	alone := e.pins == 1
	c.mu.Unlock()
	if !alone {
		return false
	}
	c.log.Warn("git cache: a cached repository failed a checkout; removing it", "key", e.key, "error", err)
	if rerr := c.remove(e.key); rerr != nil {
		c.log.Warn("git cache: cannot remove a repository", "key", e.key, "error", rerr)
		return false
	}
	c.setSize(e)
	return true
}

// Close removes the checkout, or keeps its work tree idle under another name (see
// Options.IdleWorktrees), and lets its repository be evicted. Calling it again is a
// no-op. Dir is not to be used after.
func (co *Checkout) Close() error {
	var err error
	co.once.Do(func() {
		co.closed.Store(true)
		if !co.c.release(co) {
			err = co.wt.Remove()
		}
		co.c.unpin(co.e)
		co.c.evict()
	})
	return err
}

// worktreeError is a checkout that failed after its fetch: the cached repository may
// be broken (an object missing), where a failed fetch says nothing of it.
type worktreeError struct{ error }

func (e *worktreeError) Unwrap() error { return e.error }
