package images

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Resolver looks up the addresses of a host name (net.DefaultResolver implements it;
// tests give a table).
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// ResolverFunc is a Resolver from a function.
type ResolverFunc func(ctx context.Context, network, host string) ([]netip.Addr, error)

// LookupNetIP implements Resolver.
func (f ResolverFunc) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	return f(ctx, network, host)
}

// AddressGuard is the dialer of registry connections: it resolves the host, checks
// every address it is about to connect to, and connects to that checked address (so a
// second, different DNS answer cannot slip in between). Loopback, private, link-local
// (cloud metadata endpoints), shared (CGNAT), unspecified, multicast and reserved
// addresses are refused unless the operator allowed the host or the address. It sits
// under everything a registry connection does (pings, token exchanges, tag lists,
// manifests, every redirect), so a repository's policy, a registry's redirect or its
// token realm cannot make the process reach an address it was not allowed to.
type AddressGuard struct {
	hosts    map[string]bool // "host" (any port) or "host:port", canonical
	nets     []netip.Prefix
	resolver Resolver
	dialer   *net.Dialer
	proxy    func(*http.Request) (*url.URL, error)
	proxies  sync.Map // "host:port" of proxies the transport was told to use
}

// AddressGuardOption configures an AddressGuard.
type AddressGuardOption func(*AddressGuard)

// GuardResolver replaces the system's resolver (tests: a name that resolves to loopback).
func GuardResolver(r Resolver) AddressGuardOption {
	return func(g *AddressGuard) {
		if r != nil {
			g.resolver = r
		}
	}
}

// GuardProxy replaces http.ProxyFromEnvironment as the proxy of the guarded transport.
func GuardProxy(p func(*http.Request) (*url.URL, error)) AddressGuardOption {
	return func(g *AddressGuard) { g.proxy = p }
}

// NewAddressGuard returns a guard that allows non-public addresses only for allowed
// entries: a registry host (HOST, any port, or HOST:PORT) as images name it
// (registry.internal, localhost:5000, 10.1.2.3, [::1]:5000), whatever it resolves to,
// or an address range in CIDR notation (10.20.0.0/16) for any host.
func NewAddressGuard(allowed []string, opts ...AddressGuardOption) (*AddressGuard, error) {
	g := &AddressGuard{hosts: map[string]bool{}, resolver: net.DefaultResolver,
		dialer: &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}, proxy: http.ProxyFromEnvironment}
	for _, a := range allowed {
		a = strings.TrimSpace(a)
		if strings.Contains(a, "/") {
			p, err := netip.ParsePrefix(a)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address range (CIDR): %w", a, err)
			}
			g.nets = append(g.nets, p.Masked())
			continue
		}
		key, err := hostKey(a)
		if err != nil {
			return nil, err
		}
		g.hosts[key] = true
	}
	for _, o := range opts {
		o(g)
	}
	return g, nil
}

// hostKey is the canonical form of HOST or HOST:PORT: lower case, an IP address as
// netip prints it (IPv6 in brackets when a port follows).
func hostKey(s string) (string, error) {
	if s == "" {
		return "", errors.New("an empty registry host")
	}
	host, port := s, ""
	if h, p, err := net.SplitHostPort(s); err == nil {
		host, port = h, p
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("%q: bad port %q", s, p)
		}
	} else if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		host = s[1 : len(s)-1]
	}
	if strings.ContainsAny(host, "/@?#[] ") || host == "" {
		return "", fmt.Errorf("%q is not a registry host (HOST, HOST:PORT or a CIDR)", s)
	}
	host = canonicalHost(host)
	if port == "" {
		return host, nil
	}
	return net.JoinHostPort(host, port), nil
}

func canonicalHost(h string) string {
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip.WithZone("").Unmap().String()
	}
	return strings.ToLower(strings.TrimSuffix(h, "."))
}

// PrivateAddressError is a connection the guard refused.
type PrivateAddressError struct {
	Host string     // the host being dialed, as named
	Port string     // and its port
	Addr netip.Addr // the address it resolved to
	Kind string     // loopback, private, link-local, ...
}

func (e *PrivateAddressError) Error() string {
	allow := e.Host
	if e.Port != "443" && e.Port != "80" {
		allow = net.JoinHostPort(e.Host, e.Port)
	}
	what := net.JoinHostPort(e.Host, e.Port)
	if e.Addr.String() != canonicalHost(e.Host) {
		what = fmt.Sprintf("%s (%s)", what, e.Addr)
	}
	return fmt.Sprintf("connection to %s refused: a %s address, not a public one; registry hosts at non-public addresses need the operator's consent (--registry-private-host %s)", what, e.Kind, allow)
}

// DialContext connects to addr (host:port) at an address the guard allows.
func (g *AddressGuard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if _, ok := g.proxies.Load(addr); ok {
		// The operator's proxy (HTTPS_PROXY): the guard checked the target in proxyFor.
		return g.dialer.DialContext(ctx, network, addr)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	portN, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("dial %s: bad port", addr)
	}
	addrs, err := g.check(ctx, host, port)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, ip := range addrs {
		if (network == "tcp4" && !ip.Is4()) || (network == "tcp6" && !ip.Is6()) {
			continue
		}
		conn, err := g.dialer.DialContext(ctx, network, netip.AddrPortFrom(ip, uint16(portN)).String())
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("dial %s: no %s address", addr, network)
	}
	return nil, errors.Join(errs...)
}

// check resolves host and returns the addresses the guard allows a connection to; when
// it allows none, the error says why for the first one refused.
func (g *AddressGuard) check(ctx context.Context, host, port string) ([]netip.Addr, error) {
	key := canonicalHost(host)
	hostAllowed := g.hosts[key] || g.hosts[net.JoinHostPort(key, port)]
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip.WithZone("")}
	} else {
		addrs, err = g.resolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, fmt.Errorf("resolve %s: %w", host, err)
		}
	}
	var ok []netip.Addr
	var refused error
	for _, ip := range addrs {
		ip = ip.Unmap()
		if kind := NonPublicAddress(ip); kind != "" && !hostAllowed && !g.inNets(ip) {
			if refused == nil {
				refused = &PrivateAddressError{Host: host, Port: port, Addr: ip, Kind: kind}
			}
			continue
		}
		ok = append(ok, ip)
	}
	if len(ok) == 0 {
		if refused == nil {
			refused = fmt.Errorf("resolve %s: no address", host)
		}
		return nil, refused
	}
	return ok, nil
}

func (g *AddressGuard) inNets(ip netip.Addr) bool {
	for _, p := range g.nets {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// proxyFor is the guarded transport's Proxy: when a request goes through the
// operator's proxy, the proxy connects to the registry, so the guard checks the
// registry host's addresses here (as this process resolves them) and lets the
// connection to the proxy itself through.
func (g *AddressGuard) proxyFor(req *http.Request) (*url.URL, error) {
	if g.proxy == nil {
		return nil, nil
	}
	u, err := g.proxy(req)
	if err != nil || u == nil {
		return u, err
	}
	port := req.URL.Port()
	if port == "" {
		port = "443"
		if req.URL.Scheme == "http" {
			port = "80"
		}
	}
	if _, err := g.check(req.Context(), req.URL.Hostname(), port); err != nil {
		return nil, err
	}
	pport := u.Port()
	if pport == "" {
		pport = map[string]string{"http": "80", "https": "443", "socks5": "1080", "socks5h": "1080"}[u.Scheme]
	}
	g.proxies.Store(net.JoinHostPort(u.Hostname(), pport), true)
	return u, nil
}

// Transport is go-containerregistry's default transport dialing through the guard.
func (g *AddressGuard) Transport() *http.Transport {
	var t *http.Transport
	if dt, ok := remote.DefaultTransport.(*http.Transport); ok {
		t = dt.Clone()
	} else {
		t = &http.Transport{ForceAttemptHTTP2: true, MaxIdleConns: 100, IdleConnTimeout: 90 * time.Second,
			TLSHandshakeTimeout: 10 * time.Second, ExpectContinueTimeout: time.Second, MaxIdleConnsPerHost: 50}
	}
	t.DialContext = g.DialContext
	t.DialTLSContext = nil
	t.Proxy = g.proxyFor
	return t
}

// nonPublicRanges are the special-purpose ranges (RFC 6890 and its IANA registries)
// that netip's predicates do not cover.
var nonPublicRanges = []struct {
	prefix netip.Prefix
	kind   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "\"this network\""},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (CGNAT)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved (IETF protocol assignments)"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("::/96"), "reserved (IPv4-compatible)"},
	{netip.MustParsePrefix("100::/64"), "discard-only"},
	{netip.MustParsePrefix("2001::/23"), "reserved (IETF protocol assignments)"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local-use NAT64"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// NonPublicAddress says what kind of non-public address ip is (loopback, private,
// link-local, ...), or "" for a public one. An IPv6 address that carries an IPv4 one
// (IPv4-mapped, NAT64's 64:ff9b::/96, 6to4) is judged by the IPv4 address.
func NonPublicAddress(ip netip.Addr) string {
	ip = ip.WithZone("").Unmap()
	switch {
	case !ip.IsValid():
		return "invalid"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsLoopback():
		return "loopback"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "link-local"
	case ip.IsPrivate():
		return "private"
	case ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "multicast"
	}
	for _, r := range nonPublicRanges {
		if r.prefix.Contains(ip) {
			return r.kind
		}
	}
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64.Contains(ip):
			return NonPublicAddress(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		case sixToFour.Contains(ip):
			return NonPublicAddress(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	return ""
}
