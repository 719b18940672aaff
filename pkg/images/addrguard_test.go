package images

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/images/imagestest"
)

func TestNonPublicAddress(t *testing.T) {
	for _, tc := range []struct {
		addr, want string
	}{
		{"8.8.8.8", ""},
		{"140.82.112.3", ""},
		{"2606:4700:4700::1111", ""},
		{"64:ff9b::808:808", ""}, // NAT64 of 8.8.8.8
		{"127.0.0.1", "loopback"},
		{"127.1.2.3", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"169.254.169.254", "link-local"}, // AWS, GCP, Azure metadata
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"fd00:ec2::254", "private"}, // AWS metadata over IPv6
		{"10.0.0.1", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"fc00::1", "private"},
		{"100.64.0.1", "shared (CGNAT)"},
		{"100.100.100.200", "shared (CGNAT)"}, // Alibaba Cloud's metadata
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"0.1.2.3", `"this network"`},
		{"224.0.0.1", "link-local"}, // link-local multicast
		{"239.1.2.3", "multicast"},
		{"ff02::1", "link-local"},
		{"255.255.255.255", "reserved"},
		{"240.0.0.1", "reserved"},
		{"192.0.0.192", "reserved (IETF protocol assignments)"}, // Oracle Cloud's metadata
		{"192.0.2.1", "documentation"},
		{"198.18.0.1", "benchmarking"},
		{"64:ff9b::a9fe:a9fe", "link-local"}, // NAT64 of 169.254.169.254
		{"64:ff9b::7f00:1", "loopback"},
		{"2002:a9fe:a9fe::1", "link-local"}, // 6to4 of 169.254.169.254
		{"2002:0808:0808::1", ""},
		{"::127.0.0.1", "reserved (IPv4-compatible)"},
		{"fec0::1", "site-local"},
		{"2001:db8::1", "documentation"},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			if got := NonPublicAddress(netip.MustParseAddr(tc.addr)); got != tc.want {
				t.Fatalf("NonPublicAddress(%s) = %q, want %q", tc.addr, got, tc.want)
			}
		})
	}
}

// countedServer serves h on loopback and counts the connections it accepts and the
// requests it answers.
type countedServer struct {
	*httptest.Server
	conns, requests atomic.Int64
}

func newCountedServer(t *testing.T, h http.Handler) *countedServer {
	t.Helper()
	c := &countedServer{}
	c.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.requests.Add(1)
		h.ServeHTTP(w, r)
	}))
	c.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			c.conns.Add(1)
		}
	}
	c.Config.ErrorLog = log.New(io.Discard, "", 0)
	c.Start()
	t.Cleanup(c.Close)
	return c
}

func (c *countedServer) port() string {
	return c.Listener.Addr().(*net.TCPAddr).AddrPort().String()[len("127.0.0.1:"):]
}

// resolveTable resolves the names of a table and no other.
func resolveTable(names map[string]string) Resolver {
	return ResolverFunc(func(_ context.Context, _, host string) ([]netip.Addr, error) {
		var out []netip.Addr
		for _, a := range strings.Split(names[host], ",") {
			if a != "" {
				out = append(out, netip.MustParseAddr(a))
			}
		}
		if len(out) == 0 {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		return out, nil
	})
}

func TestAddressGuardDial(t *testing.T) {
	srv := newCountedServer(t, http.NotFoundHandler())
	port := srv.port()
	names := resolveTable(map[string]string{
		"registry.example.com": "127.0.0.1",
		"mapped.example.com":   "::ffff:127.0.0.1",
		"metadata.example.com": "169.254.169.254",
		"docs.example.com":     "192.0.2.1,127.0.0.1",
	})
	for _, tc := range []struct {
		name    string
		allowed []string
		dial    string
		wantErr string // "": the connection is made
	}{
		{"loopback address", nil, "127.0.0.1:" + port, "connection to 127.0.0.1:" + port + " refused: a loopback address, not a public one; registry hosts at non-public addresses need the operator's consent (--registry-private-host 127.0.0.1:" + port + ")"},
		{"allowed host and port", []string{"127.0.0.1:" + port}, "127.0.0.1:" + port, ""},
		{"allowed host, any port", []string{"127.0.0.1"}, "127.0.0.1:" + port, ""},
		{"another port allowed", []string{"127.0.0.1:1"}, "127.0.0.1:" + port, "a loopback address"},
		{"a public-looking name resolving to loopback", nil, "registry.example.com:" + port, "connection to registry.example.com:" + port + " (127.0.0.1) refused: a loopback address"},
		{"the name allowed", []string{"Registry.Example.com"}, "registry.example.com:" + port, ""},
		{"the name allowed with its port", []string{"registry.example.com:" + port}, "registry.example.com:" + port, ""},
		{"its address range allowed", []string{"127.0.0.0/8"}, "registry.example.com:" + port, ""},
		{"another range allowed", []string{"10.0.0.0/8", "::1/128"}, "registry.example.com:" + port, "a loopback address"},
		{"the address allowed as a host, not the name", []string{"127.0.0.1"}, "registry.example.com:" + port, "a loopback address"},
		{"IPv4-mapped loopback", nil, "mapped.example.com:" + port, "(127.0.0.1) refused: a loopback address"},
		{"the metadata endpoint", nil, "metadata.example.com:80", "connection to metadata.example.com:80 (169.254.169.254) refused: a link-local address, not a public one; registry hosts at non-public addresses need the operator's consent (--registry-private-host metadata.example.com)"},
		{"the metadata address", []string{"10.0.0.0/8", "registry.example.com"}, "169.254.169.254:80", "a link-local address"},
		{"every address refused", nil, "docs.example.com:" + port, "(192.0.2.1) refused: a documentation address"},
		{"unknown name", nil, "nowhere.example.com:443", "resolve nowhere.example.com: lookup nowhere.example.com: no such host"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := NewAddressGuard(tc.allowed, GuardResolver(names))
			if err != nil {
				t.Fatal(err)
			}
			before := srv.conns.Load()
			conn, err := g.DialContext(context.Background(), "tcp", tc.dial)
			if conn != nil {
				conn.Close()
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("dial %s: %v", tc.dial, err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("dial %s: %v, want an error with %q", tc.dial, err, tc.wantErr)
			case tc.wantErr != "" && srv.conns.Load() != before:
				t.Fatalf("dial %s: refused, yet the server accepted a connection", tc.dial)
			}
			var pe *PrivateAddressError
			if tc.wantErr != "" && strings.Contains(tc.wantErr, "address") && !errors.As(err, &pe) {
				t.Fatalf("%v is not a *PrivateAddressError", err)
			}
		})
	}
}

func TestNewAddressGuardRefusesBadEntries(t *testing.T) {
	for _, bad := range []string{"", "10.0.0.0/33", "host:port", "host:0", "https://registry", "a b", "user@host"} {
		if _, err := NewAddressGuard([]string{bad}); err == nil {
			t.Errorf("NewAddressGuard(%q): no error", bad)
		}
	}
	if _, err := NewAddressGuard([]string{"registry.internal", "localhost:5000", "[::1]:5000", "::1", "10.20.0.0/16", "fd00::/8"}); err != nil {
		t.Fatal(err)
	}
}

// TestRegistryAddressGuard: through a Registry, the guard is under every connection:
// the ping, redirects to another host (which the ping follows), a token realm. A
// refused connection reaches nothing.
func TestRegistryAddressGuard(t *testing.T) {
	private := newCountedServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"name":"shop/web","tags":["secret"]}`)
	}))
	privatePort := private.port()
	names := resolveTable(map[string]string{
		"registry.example.com": "127.0.0.1",
		"internal.example.com": "127.0.0.1",
		"metadata.example.com": "169.254.169.254",
	})
	for _, tc := range []struct {
		name      string
		handler   http.HandlerFunc // the registry the policy names, at 127.0.0.1
		allowed   []string         // besides the registry's host
		repo      func(port string) string
		wantErr   []string
		anyAnswer bool // the named registry answers; else it gets no connection either
	}{
		{name: "a public-looking name resolving to loopback", repo: func(p string) string { return "registry.example.com:" + p + "/shop/web" },
			wantErr: []string{"registry.example.com:", "(127.0.0.1) refused: a loopback address", "--registry-private-host registry.example.com:"}},
		{name: "a redirect to another host at a private address", anyAnswer: true,
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://internal.example.com:"+privatePort+r.URL.Path, http.StatusTemporaryRedirect)
			},
			wantErr: []string{"connection to internal.example.com:" + privatePort + " (127.0.0.1) refused: a loopback address"}},
		{name: "a redirect to the metadata endpoint", anyAnswer: true,
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
			},
			allowed: []string{"10.0.0.0/8"},
			wantErr: []string{"connection to 169.254.169.254:80 refused: a link-local address"}},
		{name: "a token realm at a private address", anyAnswer: true,
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="http://metadata.example.com/token",service="x"`)
				w.WriteHeader(http.StatusUnauthorized)
			},
			wantErr: []string{"connection to metadata.example.com:80 (169.254.169.254) refused: a link-local address"}},
		{name: "a tag list redirected to another host", anyAnswer: true,
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/v2/" {
					return
				}
				http.Redirect(w, r, "http://127.0.0.1:"+privatePort+r.URL.Path, http.StatusTemporaryRedirect)
			},
			allowed: []string{"127.0.0.1:" + privatePort},
			wantErr: []string{"redirect to another host (127.0.0.1:" + privatePort + ") refused"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.handler
			if h == nil {
				h = func(w http.ResponseWriter, r *http.Request) {}
			}
			named := newCountedServer(t, h)
			repoName := "127.0.0.1:" + named.port() + "/shop/web"
			if tc.repo != nil {
				repoName = tc.repo(named.port())
			}
			repo, err := name.NewRepository(repoName)
			if err != nil {
				t.Fatal(err)
			}
			allowed := tc.allowed
			if tc.anyAnswer {
				allowed = append(allowed, repo.RegistryStr())
			}
			g, err := NewAddressGuard(allowed, GuardResolver(names))
			if err != nil {
				t.Fatal(err)
			}
			insecure := []string{repo.RegistryStr(), "internal.example.com:" + privatePort, "127.0.0.1:" + privatePort, "169.254.169.254", "metadata.example.com"}
			r := quietRegistry(WithAddressGuard(g), WithInsecureHosts(insecure...), WithPlainHTTPOnlyForInsecureHosts(), WithRetries(0, 0, 0))
			private.conns.Store(0)
			tags, err := r.ListTags(context.Background(), repo)
			if err == nil {
				t.Fatalf("tags %v, want an error", tags)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if n := private.conns.Load(); n != 0 {
				t.Errorf("the private server accepted %d connections", n)
			}
			if !tc.anyAnswer && named.conns.Load() != 0 {
				t.Errorf("the registry accepted %d connections", named.conns.Load())
			}
		})
	}
}

// TestRegistryPlainHTTP: with WithPlainHTTPOnlyForInsecureHosts, a registry on loopback
// is not asked over plain HTTP unless listed; without it, it is (the plugin).
func TestRegistryPlainHTTP(t *testing.T) {
	srv := newCountedServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/" {
			fmt.Fprint(w, `{"name":"shop/web","tags":["1.0.0"]}`)
		}
	}))
	host := srv.Listener.Addr().String()
	repo, err := name.NewRepository(host + "/shop/web")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		opts    []RegistryOption
		wantErr string
	}{
		{"the plugin's default: loopback over plain HTTP", nil, ""},
		{"only insecure hosts, not listed", []RegistryOption{WithPlainHTTPOnlyForInsecureHosts()}, "plain HTTP to " + host + " refused: only HTTPS, unless the operator lists the host (--registry-insecure-host " + host + ")"},
		{"only insecure hosts, listed", []RegistryOption{WithPlainHTTPOnlyForInsecureHosts(), WithInsecureHosts(host)}, ""},
		{"listed first", []RegistryOption{WithInsecureHosts(host), WithPlainHTTPOnlyForInsecureHosts()}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := NewAddressGuard([]string{host})
			if err != nil {
				t.Fatal(err)
			}
			srv.requests.Store(0)
			tags, err := quietRegistry(append(tc.opts, WithAddressGuard(g))...).ListTags(context.Background(), repo)
			switch {
			case tc.wantErr == "" && (err != nil || len(tags) != 1):
				t.Fatalf("tags %v, %v", tags, err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			case tc.wantErr != "" && srv.requests.Load() != 0:
				t.Fatalf("the registry answered %d requests", srv.requests.Load())
			}
		})
	}
}

// TestAddressGuardProxy: behind the operator's proxy, the registry host's addresses
// are checked before the proxy is asked, and the proxy itself (on a private address)
// is reached.
func TestAddressGuardProxy(t *testing.T) {
	proxy := newCountedServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "proxied %s", r.URL.Host)
	}))
	proxyURL, _ := url.Parse(proxy.URL)
	names := resolveTable(map[string]string{"public.example.com": "140.82.112.3", "internal.example.com": "10.1.2.3"})
	g, err := NewAddressGuard(nil, GuardResolver(names), GuardProxy(func(*http.Request) (*url.URL, error) { return proxyURL, nil }))
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: g.Transport()}
	for _, tc := range []struct {
		url, want string
	}{
		{"http://public.example.com/v2/", "proxied public.example.com"},
		{"http://internal.example.com/v2/", "connection to internal.example.com:80 (10.1.2.3) refused: a private address"},
	} {
		proxy.requests.Store(0)
		resp, err := client.Get(tc.url)
		var got string
		if err != nil {
			got = err.Error()
		} else {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			got = string(b)
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("GET %s: %q, want %q", tc.url, got, tc.want)
		}
		if err != nil && proxy.requests.Load() != 0 {
			t.Errorf("GET %s: refused, yet the proxy was asked", tc.url)
		}
	}
}

// TestPlatformKeychainBehindAddressGuard: the guard is under registry connections
// only. The platform's credential endpoints (here the GCE metadata server, on loopback
// as 169.254.169.254 is in a cloud) are the operator's and stay reachable, while the
// registry needs its allowance.
func TestPlatformKeychainBehindAddressGuard(t *testing.T) {
	imagestest.IsolateCloudEnv(t)
	const token = "ya29.fake-gce-access-token"
	meta := newCountedServer(t, imagestest.GCEMetadata(token))
	t.Setenv("GCE_METADATA_HOST", meta.Listener.Addr().String())
	plain := newTestRegistry(t)
	pushTags(t, plain.Host(), "team/app", testImage(t, time.Unix(0, 0)), "1.0.0", "1.1.0")
	reg := newCountedServer(t, imagestest.RequireBasic(plain.Config.Handler, "_token", token))
	host := "us-docker.pkg.dev:" + reg.port()
	imgs, errs := Scan([]File{{Path: "app.yaml", Data: []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app, annotations: {fluxcd.io/automated: \"true\"}}\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: " + host + "/team/app:1.0.0\n")}}, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, tc := range []struct {
		allowed []string
		want    Status
	}{
		{[]string{"us-docker.pkg.dev"}, StatusUpdate},
		{nil, StatusError},
	} {
		g, err := NewAddressGuard(tc.allowed, GuardResolver(resolveTable(map[string]string{"us-docker.pkg.dev": "127.0.0.1"})))
		if err != nil {
			t.Fatal(err)
		}
		kc := PlatformKeychain(PlatformOptions{Platforms: []Platform{PlatformGoogle}, Logger: discardLogger()})
		r := quietRegistry(WithKeychain(kc), WithAddressGuard(g), WithInsecureHosts(host), WithPlainHTTPOnlyForInsecureHosts())
		res := (&Checker{Lister: r, Logger: discardLogger()}).Check(context.Background(), imgs)[0]
		if res.Status != tc.want {
			t.Fatalf("allowed %v: %+v, want %s", tc.allowed, res, tc.want)
		}
	}
	if meta.requests.Load() == 0 {
		t.Fatal("the metadata server was not asked")
	}
}
