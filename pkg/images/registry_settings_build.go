package images

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	ghauthn "github.com/google/go-containerregistry/pkg/authn/github"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Checker builds the registry client (credentials, rate limits, cache) and a Checker
// over it for imgs, for one run of a command: credentials from the cluster's pull
// secrets too (ClusterCredentials). The Registry is returned for its request counts.
func (s *RegistrySettings) Checker(ctx context.Context, rules *Rules, imgs []Image, logger *slog.Logger) (*Checker, *Registry, error) {
	filter, err := rules.Filter.Extend(s.Include, s.Exclude)
	if err != nil {
		return nil, nil, fmt.Errorf("registry image globs: %w", err)
	}
	c := &Checker{Filter: filter, DisableScanning: s.DisableScanning, Logger: logger}
	if s.DisableScanning {
		return c, nil, nil
	}
	kc, err := s.keychain(ctx, imgs, true, logger)
	if err != nil {
		return nil, nil, err
	}
	reg, err := s.newRegistry(kc, logger)
	if err != nil {
		return nil, nil, err
	}
	var copts []CacheOption
	copts = append(copts, CacheLogger(logger))
	if s.CacheTTL > 0 {
		dir := s.CacheDir
		if dir == "" {
			if d, err := DefaultCacheDir(); err == nil {
				dir = d
			} else {
				logger.Warn("no on-disk tag cache", "error", err)
			}
		}
		if dir != "" {
			copts = append(copts, CacheDir(dir))
		}
	}
	c.Lister = NewCache(reg, s.CacheTTL, copts...)
	return c, reg, nil
}

// NewRegistry is the registry client the settings describe, for a long-running
// process (the bot): credentials from DockerConfig, the default docker config,
// GITHUB_TOKEN for ghcr.io and the platform, never from a cluster's pull secrets.
func (s *RegistrySettings) NewRegistry(logger *slog.Logger) (*Registry, error) {
	kc, err := s.keychain(context.Background(), nil, false, logger)
	if err != nil {
		return nil, err
	}
	return s.newRegistry(kc, logger)
}

func (s *RegistrySettings) newRegistry(kc authn.Keychain, logger *slog.Logger) (*Registry, error) {
	guard, err := NewAddressGuard(s.PrivateHosts, GuardResolver(s.Resolver))
	if err != nil {
		return nil, fmt.Errorf("--registry-private-host: %w", err)
	}
	ropts := []RegistryOption{
		WithKeychain(kc), WithRateLimit(s.RPS, s.Burst), WithLogger(logger),
		WithInsecureHosts(s.InsecureHosts...), WithTimeout(s.Timeout), WithMaxTags(s.MaxTags),
		WithAddressGuard(guard),
	}
	if s.PlainHTTPOnlyForInsecureHosts {
		ropts = append(ropts, WithPlainHTTPOnlyForInsecureHosts())
	}
	if s.HTTPTransport != nil {
		ropts = append(ropts, WithHTTPTransport(s.HTTPTransport))
	}
	return NewRegistry(ropts...), nil
}

// keychain composes credentials: DockerConfig, the cluster's pull secrets (when
// cluster), the default docker/podman config, GITHUB_TOKEN for ghcr.io, and last the
// platform's (cloud identity) for its own registries.
func (s *RegistrySettings) keychain(ctx context.Context, imgs []Image, cluster bool, logger *slog.Logger) (authn.Keychain, error) {
	var kcs []authn.Keychain
	if s.DockerConfig != "" {
		kc, err := DockerConfigKeychain(s.DockerConfig)
		if err != nil {
			return nil, err
		}
		kcs = append(kcs, kc)
	}
	if cluster && s.ClusterCredentials != ClusterCredentialsFalse {
		kc, err := s.clusterKeychain(ctx, imgs)
		switch {
		case err != nil && s.ClusterCredentials == ClusterCredentialsTrue:
			return nil, fmt.Errorf("registry credentials from the cluster: %w", err)
		case err != nil:
			logger.Debug("no registry credentials from the cluster", "error", err)
		case kc != nil:
			kcs = append(kcs, kc)
		}
	}
	kcs = append(kcs, authn.DefaultKeychain, ghauthn.Keychain)
	platforms, err := ParsePlatforms(s.PlatformCredentials)
	if err != nil {
		return nil, fmt.Errorf("--registry-platform-credentials: %w", err)
	}
	if len(platforms) > 0 {
		kcs = append(kcs, PlatformKeychain(PlatformOptions{Platforms: platforms, HTTPTransport: s.HTTPTransport, Logger: logger}))
	}
	return authn.NewMultiKeychain(kcs...), nil
}

func (s *RegistrySettings) clusterKeychain(ctx context.Context, imgs []Image) (authn.Keychain, error) {
	refs := PullSecretRefs(imgs)
	if len(refs) == 0 {
		return nil, nil
	}
	newClient := s.NewKubeClient
	if newClient == nil {
		newClient = func() (kubernetes.Interface, error) { return kubeClient(s.Cluster) }
	}
	client, err := newClient()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return ClusterKeychain(ctx, client, refs)
}

// kubeClient builds a clientset for the cluster and checks that it answers
// (quickly), so "auto" never waits on an unreachable cluster.
func kubeClient(cluster RESTConfigGetter) (kubernetes.Interface, error) {
	if cluster == nil {
		return nil, errors.New("no kubeconfig flags")
	}
	cfg, err := cluster.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	cfg = rest.CopyConfig(cfg)
	cfg.Timeout = 5 * time.Second // a quick answer or none: "auto" must not hang
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	if _, err := client.Discovery().ServerVersion(); err != nil {
		return nil, fmt.Errorf("cluster %s does not answer: %w", cfg.Host, err)
	}
	return client, nil
}
