package images

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"
)

// Defaults of a Registry (Flux v1's --registry-rps and --registry-burst defaults).
const (
	DefaultRPS         = 200
	DefaultBurst       = 125
	DefaultPageSize    = 1000 // ECR refuses n > 1000
	DefaultMaxTags     = 100000
	DefaultTimeout     = 60 * time.Second
	DefaultMaxRetries  = 5
	DefaultMaxWait     = 2 * time.Minute
	pingFailureTTL     = 30 * time.Second
	maxTagListBodySize = 64 << 20
)

// Registry reads tag lists with go-containerregistry's authentication (anonymous,
// keychains), one ping per registry host, requests rate limited per host, 429 and
// Retry-After honoured, and pages followed (Link headers, or n/last when a registry
// fills a page without a Link). It is safe for concurrent use.
type Registry struct {
	keychain authn.Keychain
	rt       *limitedTransport
	pageSize int
	maxTags  int
	timeout  time.Duration
	insecure map[string]bool
	logger   *slog.Logger
	guard    *AddressGuard
	ownBase  bool // WithHTTPTransport: the caller's transport dials by itself

	pingGroup singleflight.Group
	mu        sync.Mutex
	pings     map[string]pingResult
}

type pingResult struct {
	challenge *transport.Challenge
	err       error
	at        time.Time
}

// RegistryOption configures a Registry.
type RegistryOption func(*Registry)

// WithKeychain sets where credentials come from (default authn.DefaultKeychain).
func WithKeychain(kc authn.Keychain) RegistryOption { return func(r *Registry) { r.keychain = kc } }

// WithRateLimit sets requests per second and burst per registry host; rps <= 0 is unlimited.
func WithRateLimit(rps float64, burst int) RegistryOption {
	return func(r *Registry) { r.rt.rps, r.rt.burst = rate.Limit(rps), burst }
}

// WithPageSize sets the n= of tag list requests.
func WithPageSize(n int) RegistryOption { return func(r *Registry) { r.pageSize = n } }

// WithMaxTags bounds the tags read per repository; more is an error.
func WithMaxTags(n int) RegistryOption { return func(r *Registry) { r.maxTags = n } }

// WithHTTPTransport sets the base transport (default remote.DefaultTransport). It
// dials by itself: WithAddressGuard applies to the default transport only.
func WithHTTPTransport(t http.RoundTripper) RegistryOption {
	return func(r *Registry) { r.rt.base, r.ownBase = t, true }
}

// WithAddressGuard makes every registry connection (pings, token exchanges, tag lists,
// manifests, redirects) dial through g, which refuses non-public addresses the
// operator did not allow. Not with WithHTTPTransport.
func WithAddressGuard(g *AddressGuard) RegistryOption { return func(r *Registry) { r.guard = g } }

// WithPlainHTTPOnlyForInsecureHosts refuses plain HTTP to every host but those of
// WithInsecureHosts. Without it, loopback and private IP addresses (and localhost,
// *.local) are tried over plain HTTP when HTTPS fails, as go-containerregistry does.
func WithPlainHTTPOnlyForInsecureHosts() RegistryOption {
	return func(r *Registry) { r.rt.plainHTTP = r.insecure }
}

// WithRetries sets how often a 429/502/503/504 answer is retried, the first backoff
// without Retry-After, and the longest wait accepted (a longer Retry-After fails).
func WithRetries(n int, backoff, maxWait time.Duration) RegistryOption {
	return func(r *Registry) { r.rt.maxRetries, r.rt.backoff, r.rt.maxWait = n, backoff, maxWait }
}

// WithInsecureHosts lets these registry hosts be reached over plain HTTP (loopback and
// private IP addresses are already allowed to be, unless
// WithPlainHTTPOnlyForInsecureHosts).
func WithInsecureHosts(hosts ...string) RegistryOption {
	return func(r *Registry) {
		for _, h := range hosts {
			r.insecure[h] = true
		}
	}
}

// WithTimeout bounds the listing of one repository (all its pages).
func WithTimeout(d time.Duration) RegistryOption { return func(r *Registry) { r.timeout = d } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) RegistryOption {
	return func(r *Registry) { r.logger = l; r.rt.logger = l }
}

// NewRegistry returns a Registry.
func NewRegistry(opts ...RegistryOption) *Registry {
	r := &Registry{
		keychain: authn.DefaultKeychain,
		rt: &limitedTransport{
			base: remote.DefaultTransport, rps: DefaultRPS, burst: DefaultBurst,
			maxRetries: DefaultMaxRetries, backoff: time.Second, maxWait: DefaultMaxWait,
			logger: slog.Default(),
		},
		pageSize: DefaultPageSize,
		maxTags:  DefaultMaxTags,
		timeout:  DefaultTimeout,
		logger:   slog.Default(),
		pings:    map[string]pingResult{},
		insecure: map[string]bool{},
	}
	for _, o := range opts {
		o(r)
	}
	if r.guard != nil && !r.ownBase {
		r.rt.base = r.guard.Transport()
	}
	return r
}

// Stats returns the requests sent per host so far.
func (r *Registry) Stats() []HostStats { return r.rt.stats() }

// Requests is the total number of requests sent so far.
func (r *Registry) Requests() int64 {
	var n int64
	for _, s := range r.rt.stats() {
		n += s.Requests
	}
	return n
}

// ping returns the registry's auth challenge, asking once per host; a failure is
// remembered briefly so a registry that is down fails all its repositories fast.
func (r *Registry) ping(ctx context.Context, reg name.Registry) (*transport.Challenge, error) {
	key := reg.RegistryStr()
	r.mu.Lock()
	p, ok := r.pings[key]
	r.mu.Unlock()
	if ok && (p.err == nil || time.Since(p.at) < pingFailureTTL) {
		return p.challenge, p.err
	}
	v, err, _ := r.pingGroup.Do(key, func() (any, error) {
		ch, err := transport.Ping(ctx, reg, r.rt)
		if ctx.Err() == nil { // a cancelled caller says nothing about the registry
			r.mu.Lock()
			r.pings[key] = pingResult{challenge: ch, err: err, at: time.Now()}
			r.mu.Unlock()
		}
		return ch, err
	})
	if err != nil {
		return nil, fmt.Errorf("registry %s: %w", key, err)
	}
	return v.(*transport.Challenge), nil
}

// repoTransport returns an authenticated transport for pulling from repo, and the scheme.
func (r *Registry) repoTransport(ctx context.Context, repo name.Repository) (http.RoundTripper, string, error) {
	if r.insecure[repo.RegistryStr()] {
		if insecure, err := name.NewRepository(repo.Name(), name.Insecure); err == nil {
			repo = insecure
		}
	}
	reg := repo.Registry
	ch, err := r.ping(ctx, reg)
	if err != nil {
		return nil, "", err
	}
	auth, err := authn.Resolve(ctx, r.keychain, repo)
	if err != nil {
		return nil, "", fmt.Errorf("credentials for %s: %w", repo.Name(), err)
	}
	scheme := "https"
	if ch.Insecure {
		scheme = "http"
	}
	tok := &transport.Token{}
	if ch.Scheme == "bearer" || ch.Scheme == "Bearer" {
		tok, err = transport.Exchange(ctx, reg, auth, r.rt, []string{repo.Scope(transport.PullScope)}, ch)
		if err != nil {
			return nil, "", fmt.Errorf("token for %s: %w", repo.Name(), err)
		}
	}
	rt, err := transport.FromToken(reg, auth, r.rt, ch, tok)
	if err != nil {
		return nil, "", fmt.Errorf("transport for %s: %w", repo.Name(), err)
	}
	return rt, scheme, nil
}
