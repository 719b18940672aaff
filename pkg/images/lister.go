package images

import (
	"context"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
)

// TagLister lists the tags of a repository. The scanner depends on this interface
// only; Registry implements it with go-containerregistry, Cache wraps any TagLister.
type TagLister interface {
	ListTags(ctx context.Context, repo name.Repository) ([]string, error)
}

// CreatedLookup tells when an image was built; it is asked only for the tags a policy
// with a minimum release age is about to choose.
type CreatedLookup interface {
	Created(ctx context.Context, repo name.Repository, tag string) (time.Time, error)
}

// TagListerFunc adapts a function to TagLister.
type TagListerFunc func(ctx context.Context, repo name.Repository) ([]string, error)

func (f TagListerFunc) ListTags(ctx context.Context, repo name.Repository) ([]string, error) {
	return f(ctx, repo)
}

// CreatedLookupFunc adapts a function to CreatedLookup.
type CreatedLookupFunc func(ctx context.Context, repo name.Repository, tag string) (time.Time, error)

func (f CreatedLookupFunc) Created(ctx context.Context, repo name.Repository, tag string) (time.Time, error) {
	return f(ctx, repo, tag)
}
