package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
)

// ErrNoNetwork is what the default transport answers every request with.
var ErrNoNetwork = errors.New("network access through Go's default HTTP transport is disabled in kubectl-gitops")

// gitProtocolVar is read by git: set, it lists the only transport protocols git may use.
// Empty, it allows none (not even file://, which would copy host repositories).
const gitProtocolVar = "GIT_ALLOW_PROTOCOL"

var (
	open    = http.DefaultTransport // the transport Go made, before Close replaced it
	environ = os.Environ()          // this process's environment, before Close changed it
	once    sync.Once
)

// Close closes the process's implicit network paths; it is safe to call more than once.
// Call it first in main, before goroutines start: it replaces http.DefaultTransport,
// which others read without a lock. pkg/manifest calls it before every render too, so a
// program that forgets still renders nothing from the network.
//
// It is not done at package initialisation on purpose: packages capture
// http.DefaultTransport as they initialise (k8s.io/apimachinery copies its dialer into
// every client-go transport; go-git makes its default client of it), and those must keep
// the real one.
func Close() {
	once.Do(func() {
		http.DefaultTransport = refusing()
		if err := os.Setenv(gitProtocolVar, ""); err != nil {
			panic(fmt.Sprintf("netguard: set %s: %v", gitProtocolVar, err))
		}
	})
}

// refusing is a transport that fails every connection before it resolves a name or
// dials. It is an *http.Transport, as code that clones http.DefaultTransport expects.
func refusing() *http.Transport {
	refuse := func(_ context.Context, _, addr string) (net.Conn, error) {
		return nil, &RefusedError{Addr: addr}
	}
	return &http.Transport{Proxy: nil, DialContext: refuse, DialTLSContext: refuse}
}

// RefusedError is the error of a connection through the default transport.
type RefusedError struct{ Addr string }

func (e *RefusedError) Error() string {
	return fmt.Sprintf("refused to connect to %s: %v", e.Addr, ErrNoNetwork)
}

func (e *RefusedError) Unwrap() error { return ErrNoNetwork }

// Transport is the transport Go's http.DefaultTransport was before this package closed
// it (proxy from the environment, HTTP/2, Go's timeouts), shared by every explicit
// client, so that connections are pooled as they would have been.
func Transport() http.RoundTripper { return open }

// Client returns an http.Client on Transport.
func Client() *http.Client { return &http.Client{Transport: open} }

// Environ is the environment this process started with, for the commands it means to
// run with the user's settings (manifest generators, tests' git commands): git in it may
// use the protocols the user allows.
func Environ() []string { return append([]string(nil), environ...) }
