package images

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"golang.org/x/sync/singleflight"
)

// DefaultCacheTTL is how long a tag list is reused.
const DefaultCacheTTL = 5 * time.Minute

// Cache is a TagLister that keeps tag lists for a TTL, in memory and optionally on disk
// (one JSON file per repository, mode 0600), so a repeat scan inside the window sends
// no request. Concurrent asks for one repository share a single request. Errors are
// never cached.
type Cache struct {
	inner  TagLister
	ttl    time.Duration
	dir    string
	now    func() time.Time
	logger *slog.Logger

	group  singleflight.Group
	mu     sync.Mutex
	mem    map[string]cacheEntry
	hits   atomic.Int64
	misses atomic.Int64
}

type cacheEntry struct {
	Repository string    `json:"repository"`
	Fetched    time.Time `json:"fetched"`
	Tags       []string  `json:"tags"`
}

// CacheOption configures a Cache.
type CacheOption func(*Cache)

// CacheDir keeps tag lists on disk in dir too (created when needed).
func CacheDir(dir string) CacheOption { return func(c *Cache) { c.dir = dir } }

// CacheClock replaces time.Now (tests).
func CacheClock(now func() time.Time) CacheOption { return func(c *Cache) { c.now = now } }

// CacheLogger sets the logger (default slog.Default()).
func CacheLogger(l *slog.Logger) CacheOption { return func(c *Cache) { c.logger = l } }

// NewCache wraps inner; ttl <= 0 disables caching (every call goes to inner).
func NewCache(inner TagLister, ttl time.Duration, opts ...CacheOption) *Cache {
	c := &Cache{inner: inner, ttl: ttl, now: time.Now, logger: slog.Default(), mem: map[string]cacheEntry{}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// DefaultCacheDir is os.UserCacheDir()/kubectl-gitops/tags.
func DefaultCacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("cache directory: %w", err)
	}
	return filepath.Join(base, "kubectl-gitops", "tags"), nil
}

// Hits and Misses count answers from the cache and from the inner lister.
func (c *Cache) Hits() int64   { return c.hits.Load() }
func (c *Cache) Misses() int64 { return c.misses.Load() }

func (c *Cache) ListTags(ctx context.Context, repo name.Repository) ([]string, error) {
	key := repo.Name()
	if c.ttl > 0 {
		if tags, ok := c.lookup(key); ok {
			c.hits.Add(1)
			return tags, nil
		}
	}
	v, err, _ := c.group.Do(key, func() (any, error) {
		if c.ttl > 0 {
			if tags, ok := c.lookup(key); ok { // filled while we waited
				c.hits.Add(1)
				return tags, nil
			}
		}
		c.misses.Add(1)
		tags, err := c.inner.ListTags(ctx, repo)
		if err != nil {
			return nil, err
		}
		if c.ttl > 0 {
			c.store(cacheEntry{Repository: key, Fetched: c.now(), Tags: tags})
		}
		return tags, nil
	})
	if err != nil {
		return nil, err
	}
	return append([]string(nil), v.([]string)...), nil
}

// Created passes through to the inner lister when it can tell creation times.
func (c *Cache) Created(ctx context.Context, repo name.Repository, tag string) (time.Time, error) {
	cl, ok := c.inner.(CreatedLookup)
	if !ok {
		return time.Time{}, fmt.Errorf("created time of %s:%s: the tag lister cannot tell", repo.Name(), tag)
	}
	return cl.Created(ctx, repo, tag)
}

func (c *Cache) fresh(e cacheEntry) bool {
	age := c.now().Sub(e.Fetched)
	return age >= 0 && age < c.ttl
}

func (c *Cache) lookup(key string) ([]string, bool) {
	c.mu.Lock()
	e, ok := c.mem[key]
	c.mu.Unlock()
	if ok && c.fresh(e) {
		return e.Tags, true
	}
	if c.dir == "" {
		return nil, false
	}
	data, err := os.ReadFile(c.path(key))
	if err != nil {
		return nil, false
	}
	if err := json.Unmarshal(data, &e); err != nil || e.Repository != key {
		c.logger.Debug("ignoring unreadable tag cache entry", "repository", key, "file", c.path(key))
		return nil, false
	}
	if !c.fresh(e) {
		return nil, false
	}
	c.mu.Lock()
	c.mem[key] = e
	c.mu.Unlock()
	return e.Tags, true
}

func (c *Cache) store(e cacheEntry) {
	c.mu.Lock()
	c.mem[e.Repository] = e
	c.mu.Unlock()
	if c.dir == "" {
		return
	}
	if err := c.writeFile(e); err != nil {
		// The disk cache is an optimisation: a failure costs a request next time.
		c.logger.Warn("cannot write tag cache", "repository", e.Repository, "error", err)
	}
}

func (c *Cache) writeFile(e cacheEntry) error {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return err
	}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(c.dir, ".tags-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), c.path(e.Repository))
}

func (c *Cache) path(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(c.dir, hex.EncodeToString(sum[:16])+".json")
}
