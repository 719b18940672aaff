package images

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Platform is a cloud whose registries accept the identity the process runs with: a
// bot in that cloud needs no registry password.
type Platform string

const (
	// PlatformGoogle: GCR and Artifact Registry (gcr.io, *.gcr.io, *-docker.pkg.dev),
	// with Application Default Credentials: GOOGLE_APPLICATION_CREDENTIALS, gcloud's
	// ADC file, or the GCE/GKE metadata server (Workload Identity); then gcloud.
	PlatformGoogle Platform = "google"
	// PlatformAWS: private ECR (<account>.dkr.ecr.<region>.amazonaws.com), through the
	// ECR credential helper library and the AWS default chain: environment, shared
	// config, IRSA web identity (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE), ECS/EC2 roles.
	PlatformAWS Platform = "aws"
	// PlatformAzure: ACR (*.azurecr.io and the sovereign clouds' suffixes) with AKS
	// workload identity: AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE
	// (and AZURE_AUTHORITY_HOST) → Entra ID token → ACR refresh token.
	PlatformAzure Platform = "azure"
)

// Platforms are every supported platform, in the order they are tried.
var Platforms = []Platform{PlatformGoogle, PlatformAWS, PlatformAzure}

// Values of --registry-platform-credentials besides a list of platforms.
const (
	PlatformCredentialsAuto = "auto" // every platform, each for its own registry hosts
	PlatformCredentialsNone = "none"
)

// ParsePlatforms reads the value of --registry-platform-credentials: "auto" (every
// platform), "none", or a comma-separated list such as "google,aws".
func ParsePlatforms(s string) ([]Platform, error) {
	switch strings.TrimSpace(s) {
	case "", PlatformCredentialsAuto:
		return slices.Clone(Platforms), nil
	case PlatformCredentialsNone:
		return nil, nil
	}
	var out []Platform
	for _, p := range strings.Split(s, ",") {
		p := Platform(strings.ToLower(strings.TrimSpace(p)))
		if !slices.Contains(Platforms, p) {
			return nil, fmt.Errorf("platform credentials %q: want auto, none, or a list of google, aws, azure", s)
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// PlatformOptions configure PlatformKeychain.
type PlatformOptions struct {
	// Platforms to use (nil: none; see ParsePlatforms).
	Platforms []Platform
	// HTTPTransport carries the requests the keychain sends itself: the Entra ID token
	// and the ACR token exchange (default remote.DefaultTransport). Google's and AWS's
	// libraries use their own clients and endpoint settings (GCE_METADATA_HOST,
	// AWS_ENDPOINT_URL_*).
	HTTPTransport http.RoundTripper
	// Logger receives a warning when a platform has no credentials (default slog.Default()).
	// Tokens are never logged.
	Logger *slog.Logger
	// RetryAfter is how long a failure to get credentials is remembered before the
	// platform is asked again (default 1 minute), so a scan of many repositories asks a
	// metadata server once.
	RetryAfter time.Duration
}

// PlatformKeychain returns a keychain giving the registries of the chosen clouds the
// credentials of the identity the process runs with. It answers only for each cloud's
// own registry hosts, so nothing is contacted (no metadata server, no token endpoint)
// for any other registry: on a laptop it costs nothing. When a platform has no
// credentials it warns and answers anonymous, so public images still work; put it last
// in an authn.NewMultiKeychain. Safe for concurrent use; credentials are cached until
// they expire.
func PlatformKeychain(opts PlatformOptions) authn.Keychain {
	if opts.HTTPTransport == nil {
		opts.HTTPTransport = remote.DefaultTransport
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = time.Minute
	}
	k := &platformKeychain{}
	for _, p := range opts.Platforms {
		switch p {
		case PlatformGoogle:
			k.providers = append(k.providers, newGoogleProvider(opts))
		case PlatformAWS:
			k.providers = append(k.providers, newAWSProvider(opts))
		case PlatformAzure:
			k.providers = append(k.providers, newAzureProvider(opts))
		}
	}
	return k
}

// platformProvider gives credentials for the registry hosts of one cloud.
type platformProvider interface {
	// matches reports whether host (without port) is one of the cloud's registries.
	matches(host string) bool
	// resolve returns credentials for target (anonymous when the platform has none).
	resolve(ctx context.Context, target authn.Resource) (authn.Authenticator, error)
}

type platformKeychain struct{ providers []platformProvider }

func (k *platformKeychain) Resolve(target authn.Resource) (authn.Authenticator, error) {
	return k.ResolveContext(context.Background(), target)
}

// ResolveContext implements authn.ContextKeychain.
func (k *platformKeychain) ResolveContext(ctx context.Context, target authn.Resource) (authn.Authenticator, error) {
	host := registryHostname(target.RegistryStr())
	for _, p := range k.providers {
		if p.matches(host) {
			return p.resolve(ctx, target)
		}
	}
	return authn.Anonymous, nil
}

// registryHostname drops the port of a registry host.
func registryHostname(reg string) string {
	if i := strings.LastIndexByte(reg, ':'); i >= 0 && !strings.Contains(reg[i:], "]") {
		return reg[:i]
	}
	return reg
}

// cachedAuth remembers one authenticator (or one failure, for retryAfter) per key.
type cachedAuth struct {
	mu         sync.Mutex
	entries    map[string]authEntry
	retryAfter time.Duration
	logger     *slog.Logger
	platform   Platform
}

type authEntry struct {
	auth    authn.Authenticator
	expires time.Time // zero: until the process ends (the authenticator refreshes itself)
}

func newCachedAuth(p Platform, opts PlatformOptions) *cachedAuth {
	return &cachedAuth{entries: map[string]authEntry{}, retryAfter: opts.RetryAfter, logger: opts.Logger, platform: p}
}

// get returns the cached authenticator for key or makes one with fetch. A failure is
// logged (once per retry period) and remembered as anonymous, unless ctx was cancelled
// (which says nothing about the platform).
func (c *cachedAuth) get(ctx context.Context, key string, fetch func() (authn.Authenticator, time.Time, error)) authn.Authenticator {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if e, ok := c.entries[key]; ok && (e.expires.IsZero() || now.Before(e.expires)) {
		return e.auth
	}
	auth, expires, err := fetch()
	if err != nil && ctx.Err() != nil {
		return authn.Anonymous
	}
	if err != nil {
		c.logger.Warn("no platform credentials for registry; trying anonymously", "platform", string(c.platform), "registry", key, "error", err)
		c.entries[key] = authEntry{auth: authn.Anonymous, expires: now.Add(c.retryAfter)}
		return authn.Anonymous
	}
	c.entries[key] = authEntry{auth: auth, expires: expires}
	return auth
}
