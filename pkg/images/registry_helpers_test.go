package images

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// countingServer is a registry (or any handler) on loopback that counts requests.
type countingServer struct {
	*httptest.Server
	mu    sync.Mutex
	paths map[string]int
	total atomic.Int64
}

func newCountingServer(t testing.TB, h http.Handler) *countingServer {
	t.Helper()
	cs := &countingServer{paths: map[string]int{}}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.total.Add(1)
		cs.mu.Lock()
		cs.paths[r.Method+" "+r.URL.Path]++
		cs.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(cs.Close)
	return cs
}

func (cs *countingServer) host() string { return strings.TrimPrefix(cs.URL, "http://") }

func (cs *countingServer) requests() int64 { return cs.total.Load() }

// count returns the requests to paths containing s.
func (cs *countingServer) count(s string) int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	n := 0
	for p, c := range cs.paths {
		if strings.Contains(p, s) {
			n += c
		}
	}
	return n
}

func (cs *countingServer) reset() {
	cs.mu.Lock()
	cs.paths = map[string]int{}
	cs.mu.Unlock()
	cs.total.Store(0)
}

// newTestRegistry serves go-containerregistry's in-memory registry.
func newTestRegistry(t testing.TB) *countingServer {
	return newCountingServer(t, registry.New(registry.Logger(log.New(io.Discard, "", 0))))
}

// testImage is a small image with a known creation time.
func testImage(t testing.TB, created time.Time) v1.Image {
	t.Helper()
	img, err := mutate.CreatedAt(empty.Image, v1.Time{Time: created})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// pushTags writes one image to host/repo and tags it with every tag (manifest PUTs).
func pushTags(t testing.TB, host, repo string, img v1.Image, tags ...string) {
	t.Helper()
	if len(tags) == 0 {
		return
	}
	ref, err := name.NewTag(fmt.Sprintf("%s/%s:%s", host, repo, tags[0]), name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	raw, err := img.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	mt, err := img.MediaType()
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range tags[1:] {
		putManifest(t, host, repo, tag, raw, string(mt))
	}
}

func putManifest(t testing.TB, host, repo, tag string, raw []byte, mediaType string) {
	req, err := http.NewRequest(http.MethodPut, fmt.Sprintf("http://%s/v2/%s/manifests/%s", host, repo, tag), bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mediaType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT %s:%s: %s", repo, tag, resp.Status)
	}
}

func repoOf(t testing.TB, s string) name.Repository {
	t.Helper()
	r, err := name.NewRepository(s, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// quietRegistry is a Registry for tests: no rate limit, fast retries.
func quietRegistry(opts ...RegistryOption) *Registry {
	base := []RegistryOption{WithRateLimit(0, 0), WithRetries(3, 10*time.Millisecond, 5*time.Second), WithLogger(discardLogger())}
	return NewRegistry(append(base, opts...)...)
}

func tagNames(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}
