package images

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

const annotationCreated = "org.opencontainers.image.created"

// Created returns when repo:tag was built: the manifest's (or index's)
// org.opencontainers.image.created annotation when present (one request), otherwise
// the image configuration's created time (manifest and config blob; an index adds the
// linux/amd64 manifest).
func (r *Registry) Created(ctx context.Context, repo name.Repository, tag string) (time.Time, error) {
	if r.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.timeout)
		defer cancel()
	}
	rt, _, err := r.repoTransport(ctx, repo)
	if err != nil {
		return time.Time{}, err
	}
	ref := repo.Tag(tag)
	opts := []remote.Option{remote.WithTransport(rt), remote.WithContext(ctx)}
	desc, err := remote.Get(ref, opts...)
	if err != nil {
		return time.Time{}, fmt.Errorf("created time of %s: %w", ref, err)
	}
	var m struct {
		Annotations map[string]string `json:"annotations"`
	}
	if json.Unmarshal(desc.Manifest, &m) == nil {
		if v := m.Annotations[annotationCreated]; v != "" {
			if t, err := time.Parse(time.RFC3339, v); err == nil {
				return t, nil
			}
		}
	}
	img, err := desc.Image()
	if err != nil {
		return time.Time{}, fmt.Errorf("created time of %s: %w", ref, err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return time.Time{}, fmt.Errorf("created time of %s: %w", ref, err)
	}
	if cfg.Created.IsZero() {
		return time.Time{}, fmt.Errorf("created time of %s: the image records none", ref)
	}
	return cfg.Created.Time, nil
}
