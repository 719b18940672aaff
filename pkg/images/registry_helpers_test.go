package images

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/images/imagestest"
)

func newCountingServer(t testing.TB, h http.Handler) *imagestest.Server {
	t.Helper()
	s := imagestest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

func newTestRegistry(t testing.TB) *imagestest.Server {
	t.Helper()
	s := imagestest.NewRegistry()
	t.Cleanup(s.Close)
	return s
}

func testImage(t testing.TB, created time.Time) v1.Image {
	t.Helper()
	img, err := imagestest.Image(created)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func pushTags(t testing.TB, host, repo string, img v1.Image, tags ...string) {
	t.Helper()
	if err := imagestest.PushTags(context.Background(), host, repo, img, tags...); err != nil {
		t.Fatal(err)
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
