package gitrepo

import (
	"net"
	"net/http"
	"time"

	"github.com/go-git/go-git/v5/plumbing/transport/client"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

// go-git reaches http(s) remotes through the client it has installed for the
// scheme; its default wraps http.DefaultTransport. Every git access of the process
// goes through this package, so it installs its own client, built from nothing
// global: Go's default transport may be disabled process-wide (the bot forbids it,
// so that nothing reaches the network by accident).
func init() {
	c := githttp.NewClient(&http.Client{Transport: newHTTPTransport()})
	client.InstallProtocol("http", c)
	client.InstallProtocol("https", c)
}

// newHTTPTransport is http.DefaultTransport's settings, in a transport of its own:
// the proxy of the environment (HTTPS_PROXY, NO_PROXY), dial and TLS handshake
// timeouts, and idle connections kept for the next fetch of the same host. Requests
// are bounded by their context (every fetch and clone is given one).
func newHTTPTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 2 * time.Minute,
		ExpectContinueTimeout: time.Second,
	}
}
