package images

import (
	"fmt"
	"net/http"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Values of RegistrySettings.ClusterCredentials (--cluster-credentials).
const (
	ClusterCredentialsAuto  = "auto"
	ClusterCredentialsTrue  = "true"
	ClusterCredentialsFalse = "false"
)

// DefaultPrivateHosts are the plugin's --registry-private-host: a person's own
// registries on loopback, the LAN, a VPN's shared addresses (CGNAT) or IPv6 unique
// local addresses. Link-local addresses (cloud metadata endpoints) and the other
// non-public ranges are not among them. The bot allows none by default.
var DefaultPrivateHosts = []string{"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"}

// RESTConfigGetter says where a cluster is (the plugin's kubeconfig flags,
// genericclioptions.ConfigFlags).
type RESTConfigGetter interface {
	ToRESTConfig() (*rest.Config, error)
}

// RegistrySettings say how registries are asked (flag names follow Flux v1's daemon;
// AddRegistryFlags and AddRegistryScanFlags register them): the plugin's commands and
// the bot build their registry client from them.
type RegistrySettings struct {
	RPS              float64
	Burst            int
	DisableScanning  bool
	Include, Exclude []string
	InsecureHosts    []string
	// PrivateHosts is --registry-private-host: registry hosts (HOST, HOST:PORT) and
	// address ranges (CIDR) that may be reached at non-public addresses (loopback,
	// private, link-local, ...); every other connection to such an address is refused
	// when it is dialed (AddressGuard).
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
	// google, aws, azure (ParsePlatforms).
	PlatformCredentials string

	// Cluster is where imagePullSecrets are read from (the plugin's kubeconfig flags);
	// nil: no cluster.
	Cluster RESTConfigGetter
	// NewKubeClient returns the client used for imagePullSecrets (default: from
	// Cluster). Tests inject a fake clientset here.
	NewKubeClient func() (kubernetes.Interface, error)
	// HTTPTransport replaces the base transport, its dialing included: no address
	// guard (tests).
	HTTPTransport http.RoundTripper
	// Resolver resolves registry host names for the address guard (tests; default
	// the system's).
	Resolver Resolver
}

// NewRegistrySettings returns the defaults (the plugin's; the bot narrows
// PrivateHosts and PlainHTTPOnlyForInsecureHosts).
func NewRegistrySettings() RegistrySettings {
	return RegistrySettings{
		RPS: DefaultRPS, Burst: DefaultBurst, ClusterCredentials: ClusterCredentialsAuto,
		CacheTTL: DefaultCacheTTL, Timeout: DefaultTimeout, MaxTags: DefaultMaxTags,
		PlatformCredentials: PlatformCredentialsAuto,
		PrivateHosts:        append([]string(nil), DefaultPrivateHosts...),
	}
}

// Validate checks the values (errors name the flags).
func (s *RegistrySettings) Validate() error {
	switch s.ClusterCredentials {
	case ClusterCredentialsAuto, ClusterCredentialsTrue, ClusterCredentialsFalse:
	default:
		return fmt.Errorf("--cluster-credentials %q: want auto, true or false", s.ClusterCredentials)
	}
	if _, err := ParsePlatforms(s.PlatformCredentials); err != nil {
		return fmt.Errorf("--registry-platform-credentials: %w", err)
	}
	if _, err := NewAddressGuard(s.PrivateHosts); err != nil {
		return fmt.Errorf("--registry-private-host: %w", err)
	}
	if s.RPS < 0 || s.Burst < 0 || s.MaxTags < 0 || s.CacheTTL < 0 || s.Timeout < 0 {
		return fmt.Errorf("--registry-rps, --registry-burst, --registry-max-tags, --registry-cache-ttl and --registry-timeout must not be negative")
	}
	return nil
}
