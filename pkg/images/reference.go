package images

import (
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Reference is an image reference split the way it is written, so that a rewrite can
// replace the tag's bytes only: Repository[:Tag][@Digest].
type Reference struct {
	// Repository as written, e.g. "nginx" or "ghcr.io/stefanprodan/podinfo".
	Repository string `json:"repository"`
	// Tag is empty when the reference has none (an implicit "latest").
	Tag string `json:"tag,omitempty"`
	// Digest is empty unless the reference is pinned, e.g. "sha256:…".
	Digest string `json:"digest,omitempty"`

	repo name.Repository
}

// ParseReference splits s into repository, tag and digest and validates each part.
// opts are go-containerregistry name options (name.Insecure for plain-HTTP registries).
func ParseReference(s string, opts ...name.Option) (Reference, error) {
	if s == "" {
		return Reference{}, fmt.Errorf("empty image reference")
	}
	if strings.TrimSpace(s) != s {
		return Reference{}, fmt.Errorf("invalid image reference %q: surrounding whitespace", s)
	}
	var ref Reference
	rest := s
	if i := strings.IndexByte(rest, '@'); i >= 0 {
		ref.Digest = rest[i+1:]
		rest = rest[:i]
		if _, err := name.NewDigest("example.com/x@"+ref.Digest, name.StrictValidation); err != nil {
			return Reference{}, fmt.Errorf("invalid image reference %q: bad digest: %w", s, err)
		}
	}
	// A ':' after the last '/' separates the tag; one before it is a registry port.
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && i > strings.LastIndexByte(rest, '/') {
		ref.Tag = rest[i+1:]
		rest = rest[:i]
		if err := ValidateTag(ref.Tag); err != nil {
			return Reference{}, fmt.Errorf("invalid image reference %q: %w", s, err)
		}
	}
	ref.Repository = rest
	repo, err := name.NewRepository(rest, opts...)
	if err != nil {
		return Reference{}, fmt.Errorf("invalid image reference %q: %w", s, err)
	}
	ref.repo = repo
	return ref, nil
}

// NewReference returns the reference of tag in repository (a name as written).
func NewReference(repository, tag string, opts ...name.Option) (Reference, error) {
	if tag == "" {
		return ParseReference(repository, opts...)
	}
	return ParseReference(repository+":"+tag, opts...)
}

// ValidateTag reports whether tag is a valid image tag
// ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}).
func ValidateTag(tag string) error {
	if tag == "" || len(tag) > 128 {
		return fmt.Errorf("invalid tag %q: must be 1 to 128 characters", tag)
	}
	for i, c := range tag {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' ||
			i > 0 && (c == '.' || c == '-')
		if !ok {
			return fmt.Errorf("invalid tag %q: character %q at %d", tag, c, i)
		}
	}
	return nil
}

// Repo returns the parsed repository (registry, path, scheme).
func (r Reference) Repo() name.Repository { return r.repo }

// Name is the canonical repository name, e.g. "index.docker.io/library/nginx"; it keys
// tag lists, caches and policies.
func (r Reference) Name() string { return r.repo.Name() }

// Registry is the registry host, e.g. "index.docker.io" or "127.0.0.1:5000".
func (r Reference) Registry() string { return r.repo.RegistryStr() }

// WithTag returns r with tag set and the digest dropped.
func (r Reference) WithTag(tag string) Reference {
	r.Tag = tag
	r.Digest = ""
	return r
}

// String renders the reference as written.
func (r Reference) String() string {
	s := r.Repository
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest
	}
	return s
}

// SameRepository reports whether a and b name the same repository, however written
// ("nginx" and "docker.io/library/nginx" are the same).
func SameRepository(a, b Reference) bool { return a.Name() == b.Name() }
