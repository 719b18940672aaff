package images

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	ghauthn "github.com/google/go-containerregistry/pkg/authn/github"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
)

// Values of --cluster-credentials.
const (
	ClusterCredentialsAuto  = "auto"
	ClusterCredentialsTrue  = "true"
	ClusterCredentialsFalse = "false"
)

// RegistryOptions say how registries are asked (flag names follow Flux v1's daemon).
type RegistryOptions struct {
	RPS              float64
	Burst            int
	DisableScanning  bool
	Include, Exclude []string
	InsecureHosts    []string
	// PrivateHosts is --registry-private-host: registry hosts (HOST, HOST:PORT) and
	// address ranges (CIDR) that may be reached at non-public addresses (loopback,
	// private, link-local, ...); every other connection to such an address is refused
	// when it is dialed (images.AddressGuard).
	PrivateHosts []string
	// PlainHTTPOnlyForInsecureHosts: plain HTTP for InsecureHosts only (the bot).
	// False: loopback and private IP addresses are tried over plain HTTP too when HTTPS
	// fails, as docker and go-containerregistry do (the plugin).
	PlainHTTPOnlyForInsecureHosts bool
	DockerConfig                  string
	ClusterCredentials            string
	CacheTTL                      time.Duration
	CacheDir                      string
	Timeout                       time.Duration
	MaxTags                       int

	// PlatformCredentials is --registry-platform-credentials: auto, none, or a list of
	// google, aws, azure (images.ParsePlatforms).
	PlatformCredentials string

	// NewKubeClient returns the client used for imagePullSecrets (default: from the
	// kubeconfig flags). Tests inject a fake clientset here.
	NewKubeClient func() (kubernetes.Interface, error)
	// HTTPTransport replaces the base transport, its dialing included: no address
	// guard (tests).
	HTTPTransport http.RoundTripper
	// Resolver resolves registry host names for the address guard (tests; default
	// the system's).
	Resolver images.Resolver
}

// DefaultPrivateHosts are the plugin's --registry-private-host: a person's own
// registries on loopback, the LAN, a VPN's shared addresses (CGNAT) or IPv6 unique
// local addresses. Link-local addresses (cloud metadata endpoints) and the other
// non-public ranges are not among them. The bot allows none by default.
var DefaultPrivateHosts = []string{"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"}

// NewRegistryOptions returns the defaults.
func NewRegistryOptions() RegistryOptions {
	return RegistryOptions{
		RPS: images.DefaultRPS, Burst: images.DefaultBurst, ClusterCredentials: ClusterCredentialsAuto,
		CacheTTL: images.DefaultCacheTTL, Timeout: images.DefaultTimeout, MaxTags: images.DefaultMaxTags,
		PlatformCredentials: images.PlatformCredentialsAuto,
		PrivateHosts:        append([]string(nil), DefaultPrivateHosts...),
	}
}

// AddFlags registers the registry flags.
func (o *RegistryOptions) AddFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.Float64Var(&o.RPS, "registry-rps", o.RPS, "Requests per second to each registry host, shared by all its repositories (0: unlimited)")
	fs.IntVar(&o.Burst, "registry-burst", o.Burst, "Burst of requests allowed to each registry host")
	fs.BoolVar(&o.DisableScanning, "registry-disable-scanning", o.DisableScanning, "Ask no registry (list shows images and policies only; update changes nothing)")
	fs.StringSliceVar(&o.Include, "registry-include-image", o.Include, "Only scan images matching this glob (repeatable), e.g. 'ghcr.io/acme/*'")
	fs.StringSliceVar(&o.Exclude, "registry-exclude-image", o.Exclude, "Do not scan images matching this glob (repeatable; added to the configured or default registry.k8s.io/*, k8s.gcr.io/*)")
	fs.StringSliceVar(&o.InsecureHosts, "registry-insecure-host", o.InsecureHosts, "Registry host reached over plain HTTP (repeatable; loopback and private IP addresses already are, when HTTPS fails)")
	fs.StringSliceVar(&o.PrivateHosts, "registry-private-host", o.PrivateHosts, "Registry host (HOST or HOST:PORT) or address range (CIDR) that may be reached at a non-public address (repeatable; replaces the default; --registry-private-host= allows none): connections to loopback, private, link-local (cloud metadata) and other non-public addresses are refused otherwise")
	fs.StringVar(&o.DockerConfig, "docker-config", o.DockerConfig, "Docker config.json with registry credentials (default: ~/.docker/config.json and the usual places)")
	fs.StringVar(&o.ClusterCredentials, "cluster-credentials", o.ClusterCredentials, "Read the imagePullSecrets of workloads and their service accounts from the cluster: auto (when a cluster answers), true, false")
	fs.StringVar(&o.PlatformCredentials, "registry-platform-credentials", o.PlatformCredentials, "Credentials of the identity the process runs with, for its cloud's registries only: auto (Google for gcr.io and *-docker.pkg.dev, AWS for private ECR, Azure workload identity for *.azurecr.io), none, or a list such as google,aws")
	fs.DurationVar(&o.CacheTTL, "registry-cache-ttl", o.CacheTTL, "How long tag lists are reused, in memory and on disk (0: no cache)")
	fs.StringVar(&o.CacheDir, "registry-cache-dir", o.CacheDir, "Directory of the on-disk tag cache (default: the user cache directory/kubectl-gitops/tags)")
	fs.DurationVar(&o.Timeout, "registry-timeout", o.Timeout, "Time allowed to list the tags of one repository")
	fs.IntVar(&o.MaxTags, "registry-max-tags", o.MaxTags, "Most tags read from one repository; more is an error for its images")
}

// Validate checks the flag values.
func (o *RegistryOptions) Validate() error {
	switch o.ClusterCredentials {
	case ClusterCredentialsAuto, ClusterCredentialsTrue, ClusterCredentialsFalse:
	default:
		return fmt.Errorf("--cluster-credentials %q: want auto, true or false", o.ClusterCredentials)
	}
	if _, err := images.ParsePlatforms(o.PlatformCredentials); err != nil {
		return fmt.Errorf("--registry-platform-credentials: %w", err)
	}
	if _, err := images.NewAddressGuard(o.PrivateHosts); err != nil {
		return fmt.Errorf("--registry-private-host: %w", err)
	}
	if o.RPS < 0 || o.Burst < 0 || o.MaxTags < 0 || o.CacheTTL < 0 || o.Timeout < 0 {
		return fmt.Errorf("--registry-rps, --registry-burst, --registry-max-tags, --registry-cache-ttl and --registry-timeout must not be negative")
	}
	return nil
}

// Checker builds the registry client (credentials, rate limits, cache) and a Checker
// over it for imgs. The Registry is returned for its request counts.
func (o *RegistryOptions) Checker(ctx context.Context, f *genericclioptions.ConfigFlags, rules *images.Rules, imgs []images.Image, logger *slog.Logger) (*images.Checker, *images.Registry, error) {
	filter, err := rules.Filter.Extend(o.Include, o.Exclude)
	if err != nil {
		return nil, nil, fmt.Errorf("registry image globs: %w", err)
	}
	c := &images.Checker{Filter: filter, DisableScanning: o.DisableScanning, Logger: logger}
	if o.DisableScanning {
		return c, nil, nil
	}
	kc, err := o.keychain(ctx, f, imgs, true, logger)
	if err != nil {
		return nil, nil, err
	}
	reg, err := o.newRegistry(kc, logger)
	if err != nil {
		return nil, nil, err
	}
	var copts []images.CacheOption
	copts = append(copts, images.CacheLogger(logger))
	if o.CacheTTL > 0 {
		dir := o.CacheDir
		if dir == "" {
			if d, err := images.DefaultCacheDir(); err == nil {
				dir = d
			} else {
				logger.Warn("no on-disk tag cache", "error", err)
			}
		}
		if dir != "" {
			copts = append(copts, images.CacheDir(dir))
		}
	}
	c.Lister = images.NewCache(reg, o.CacheTTL, copts...)
	return c, reg, nil
}

// NewRegistry is the registry client the flags describe, for a long-running process
// (the bot): credentials from --docker-config, the default docker config, GITHUB_TOKEN
// for ghcr.io and the platform, never from a cluster's pull secrets.
func (o *RegistryOptions) NewRegistry(logger *slog.Logger) (*images.Registry, error) {
	kc, err := o.keychain(context.Background(), nil, nil, false, logger)
	if err != nil {
		return nil, err
	}
	return o.newRegistry(kc, logger)
}

func (o *RegistryOptions) newRegistry(kc authn.Keychain, logger *slog.Logger) (*images.Registry, error) {
	guard, err := images.NewAddressGuard(o.PrivateHosts, images.GuardResolver(o.Resolver))
	if err != nil {
		return nil, fmt.Errorf("--registry-private-host: %w", err)
	}
	ropts := []images.RegistryOption{
		images.WithKeychain(kc), images.WithRateLimit(o.RPS, o.Burst), images.WithLogger(logger),
		images.WithInsecureHosts(o.InsecureHosts...), images.WithTimeout(o.Timeout), images.WithMaxTags(o.MaxTags),
		images.WithAddressGuard(guard),
	}
	if o.PlainHTTPOnlyForInsecureHosts {
		ropts = append(ropts, images.WithPlainHTTPOnlyForInsecureHosts())
	}
	if o.HTTPTransport != nil {
		ropts = append(ropts, images.WithHTTPTransport(o.HTTPTransport))
	}
	return images.NewRegistry(ropts...), nil
}

// keychain composes credentials: --docker-config, the cluster's pull secrets (when
// cluster), the default docker/podman config, GITHUB_TOKEN for ghcr.io, and last the
// platform's (cloud identity) for its own registries.
func (o *RegistryOptions) keychain(ctx context.Context, f *genericclioptions.ConfigFlags, imgs []images.Image, cluster bool, logger *slog.Logger) (authn.Keychain, error) {
	var kcs []authn.Keychain
	if o.DockerConfig != "" {
		kc, err := images.DockerConfigKeychain(o.DockerConfig)
		if err != nil {
			return nil, err
		}
		kcs = append(kcs, kc)
	}
	if cluster && o.ClusterCredentials != ClusterCredentialsFalse {
		kc, err := o.clusterKeychain(ctx, f, imgs)
		switch {
		case err != nil && o.ClusterCredentials == ClusterCredentialsTrue:
			return nil, fmt.Errorf("registry credentials from the cluster: %w", err)
		case err != nil:
			logger.Debug("no registry credentials from the cluster", "error", err)
		case kc != nil:
			kcs = append(kcs, kc)
		}
	}
	kcs = append(kcs, authn.DefaultKeychain, ghauthn.Keychain)
	platforms, err := images.ParsePlatforms(o.PlatformCredentials)
	if err != nil {
		return nil, fmt.Errorf("--registry-platform-credentials: %w", err)
	}
	if len(platforms) > 0 {
		kcs = append(kcs, images.PlatformKeychain(images.PlatformOptions{Platforms: platforms, HTTPTransport: o.HTTPTransport, Logger: logger}))
	}
	return authn.NewMultiKeychain(kcs...), nil
}

func (o *RegistryOptions) clusterKeychain(ctx context.Context, f *genericclioptions.ConfigFlags, imgs []images.Image) (authn.Keychain, error) {
	refs := images.PullSecretRefs(imgs)
	if len(refs) == 0 {
		return nil, nil
	}
	newClient := o.NewKubeClient
	if newClient == nil {
		newClient = func() (kubernetes.Interface, error) { return kubeClient(f) }
	}
	client, err := newClient()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return images.ClusterKeychain(ctx, client, refs)
}

// kubeClient builds a clientset from the kubeconfig flags and checks that the cluster
// answers (quickly), so "auto" never waits on an unreachable cluster.
func kubeClient(f *genericclioptions.ConfigFlags) (kubernetes.Interface, error) {
	if f == nil {
		return nil, fmt.Errorf("no kubeconfig flags")
	}
	cfg, err := f.ToRESTConfig()
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
