package netguard

import (
	"errors"
	"fmt"
	"net/http"
	"os"
)

// ErrNoNetwork is what the default transport answers every request with.
var ErrNoNetwork = errors.New("network access through Go's default HTTP transport is disabled in kubectl-gitops")

// gitProtocolVar is read by git: set, it lists the only transport protocols git may use.
// Empty, it allows none (not even file://, which would copy host repositories).
const gitProtocolVar = "GIT_ALLOW_PROTOCOL"

var (
	open    = http.DefaultTransport // the transport Go made, before init replaced it
	environ = os.Environ()          // this process's environment, before init changed it
)

func init() {
	http.DefaultTransport = refuse{}
	if err := os.Setenv(gitProtocolVar, ""); err != nil {
		panic(fmt.Sprintf("netguard: set %s: %v", gitProtocolVar, err))
	}
}

// refuse is the process's default transport: it answers every request with an error
// naming the URL, and never dials or resolves a name.
type refuse struct{}

func (refuse) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	return nil, &RefusedError{URL: req.URL.Redacted()}
}

// RefusedError is the error of a request sent through the default transport.
type RefusedError struct{ URL string }

func (e *RefusedError) Error() string {
	return fmt.Sprintf("refused to fetch %s: %v", e.URL, ErrNoNetwork)
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
