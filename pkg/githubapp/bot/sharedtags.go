package bot

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"golang.org/x/sync/singleflight"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
)

// SharedTags is the images.TagLister of one periodic scan, or of one batch of
// registry events: each image's tags are listed once (all pages) for every repository
// that asks, concurrent asks share the request (singleflight), and the answer — a
// failure too, so a broken registry is asked once, not once per repository — is kept
// for the life of the SharedTags. A new one is made for each scan or batch, so a tag
// pushed since is always seen. Creation times (minimum release age) are passed
// through to the inner lister and kept the same way.
type SharedTags struct {
	inner   images.TagLister
	observe func(image string, d time.Duration, err error)

	group    singleflight.Group
	mu       sync.Mutex
	tags     map[string]tagAnswer
	created  map[string]createdAnswer
	listings atomic.Int64
	failures atomic.Int64
}

type tagAnswer struct {
	tags []string
	err  error
}

type createdAnswer struct {
	at  time.Time
	err error
}

// NewSharedTags wraps inner (an images.Registry, usually). observe, when not nil, is
// told of every listing sent to inner.
func NewSharedTags(inner images.TagLister, observe func(image string, d time.Duration, err error)) *SharedTags {
	return &SharedTags{inner: inner, observe: observe, tags: map[string]tagAnswer{}, created: map[string]createdAnswer{}}
}

// Listings is the number of tag lists asked of the inner lister.
func (s *SharedTags) Listings() int64 { return s.listings.Load() }

// Failures is the number of those listings that failed.
func (s *SharedTags) Failures() int64 { return s.failures.Load() }

// ListTags implements images.TagLister.
func (s *SharedTags) ListTags(ctx context.Context, repo name.Repository) ([]string, error) {
	key := repo.Name()
	s.mu.Lock()
	a, ok := s.tags[key]
	s.mu.Unlock()
	if !ok {
		v, _, _ := s.group.Do(key, func() (any, error) {
			s.mu.Lock()
			a, ok := s.tags[key]
			s.mu.Unlock()
			if ok {
				return a, nil
			}
			s.listings.Add(1)
			start := time.Now()
			tags, err := s.inner.ListTags(ctx, repo)
			if err != nil {
				s.failures.Add(1)
			}
			if s.observe != nil {
				s.observe(key, time.Since(start), err)
			}
			a = tagAnswer{tags: tags, err: err}
			if ctx.Err() == nil { // a cancelled caller says nothing about the registry
				s.mu.Lock()
				s.tags[key] = a
				s.mu.Unlock()
			}
			return a, nil
		})
		a = v.(tagAnswer)
	}
	if a.err != nil {
		return nil, a.err
	}
	return append([]string(nil), a.tags...), nil
}

// Created implements images.CreatedLookup when the inner lister does.
func (s *SharedTags) Created(ctx context.Context, repo name.Repository, tag string) (time.Time, error) {
	cl, ok := s.inner.(images.CreatedLookup)
	if !ok {
		return time.Time{}, fmt.Errorf("created time of %s:%s: the tag lister cannot tell", repo.Name(), tag)
	}
	key := repo.Name() + ":" + tag
	v, _, _ := s.group.Do("created "+key, func() (any, error) {
		s.mu.Lock()
		a, ok := s.created[key]
		s.mu.Unlock()
		if ok {
			return a, nil
		}
		at, err := cl.Created(ctx, repo, tag)
		a = createdAnswer{at: at, err: err}
		if ctx.Err() == nil {
			s.mu.Lock()
			s.created[key] = a
			s.mu.Unlock()
		}
		return a, nil
	})
	a := v.(createdAnswer)
	return a.at, a.err
}
