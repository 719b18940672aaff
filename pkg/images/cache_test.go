package images

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestCacheAgainstRegistry(t *testing.T) {
	srv := newTestRegistry(t)
	pushTags(t, srv.Host(), "app", testImage(t, time.Unix(0, 0)), "1", "2", "3")
	repo := repoOf(t, srv.Host()+"/app")
	dir := t.TempDir()
	clk := &clock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	srv.Reset()

	c := NewCache(quietRegistry(), time.Minute, CacheDir(dir), CacheClock(clk.now))
	for i := 0; i < 3; i++ {
		tags, err := c.ListTags(context.Background(), repo)
		if err != nil || len(tags) != 3 {
			t.Fatalf("tags %v err %v", tags, err)
		}
	}
	if n := srv.Requests(); n != 2 {
		t.Fatalf("requests = %d, want 2 (ping + one page)", n)
	}
	if c.Hits() != 2 || c.Misses() != 1 {
		t.Errorf("hits %d misses %d", c.Hits(), c.Misses())
	}

	// A new process (new Cache, new Registry) inside the window reads the disk: 0 requests.
	srv.Reset()
	c2 := NewCache(quietRegistry(), time.Minute, CacheDir(dir), CacheClock(clk.now))
	if _, err := c2.ListTags(context.Background(), repo); err != nil {
		t.Fatal(err)
	}
	if n := srv.Requests(); n != 0 {
		t.Fatalf("repeat scan sent %d requests, want 0", n)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("cache files: %v", entries)
	}
	info, _ := os.Stat(filepath.Join(dir, entries[0].Name()))
	if info.Mode().Perm() != 0o600 {
		t.Errorf("cache file mode %v", info.Mode().Perm())
	}

	// After the TTL the list is fetched again.
	clk.add(2 * time.Minute)
	if _, err := c2.ListTags(context.Background(), repo); err != nil {
		t.Fatal(err)
	}
	if n := srv.Requests(); n != 2 {
		t.Fatalf("after expiry: requests = %d, want 2", n)
	}
}

func TestCacheConcurrentAndErrors(t *testing.T) {
	var calls atomic.Int64
	release := make(chan struct{})
	inner := TagListerFunc(func(ctx context.Context, repo name.Repository) ([]string, error) {
		calls.Add(1)
		<-release
		return []string{"1"}, nil
	})
	c := NewCache(inner, time.Minute)
	repo := repoOf(t, "example.com/app")
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.ListTags(context.Background(), repo); err != nil {
				t.Error(err)
			}
		}()
	}
	time.Sleep(20 * time.Millisecond) // let the goroutines pile up on one request
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("inner called %d times, want 1", n)
	}

	fail := NewCache(TagListerFunc(func(context.Context, name.Repository) ([]string, error) {
		calls.Add(1)
		return nil, errors.New("boom")
	}), time.Minute)
	calls.Store(0)
	for i := 0; i < 2; i++ {
		if _, err := fail.ListTags(context.Background(), repo); err == nil {
			t.Fatal("error swallowed")
		}
	}
	if calls.Load() != 2 {
		t.Errorf("errors were cached")
	}
}

func TestCacheIgnoresCorruptFiles(t *testing.T) {
	dir := t.TempDir()
	var calls atomic.Int64
	inner := TagListerFunc(func(context.Context, name.Repository) ([]string, error) {
		calls.Add(1)
		return []string{"1"}, nil
	})
	repo := repoOf(t, "example.com/app")
	c := NewCache(inner, time.Minute, CacheDir(dir), CacheLogger(discardLogger()))
	if err := os.WriteFile(c.path(repo.Name()), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if tags, err := c.ListTags(context.Background(), repo); err != nil || len(tags) != 1 {
		t.Fatalf("tags %v err %v", tags, err)
	}
	if calls.Load() != 1 {
		t.Fatal("corrupt cache file was used")
	}
}

func TestCacheDisabled(t *testing.T) {
	var calls atomic.Int64
	c := NewCache(TagListerFunc(func(context.Context, name.Repository) ([]string, error) {
		calls.Add(1)
		return nil, nil
	}), 0)
	repo := repoOf(t, "example.com/app")
	c.ListTags(context.Background(), repo)
	c.ListTags(context.Background(), repo)
	if calls.Load() != 2 {
		t.Fatal("ttl 0 cached")
	}
}
