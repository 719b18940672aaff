package gitrepo

import (
	"log/slog"
	"os"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
)

// Option configures Open.
type Option func(*options)

type options struct {
	dir  string
	auth transport.AuthMethod
	log  *slog.Logger
}

func makeOptions(opts []Option) options {
	o := options{log: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		opt(&o)
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	return o
}

// WithDir clones into dir instead of a temporary directory. dir must not exist or be
// empty; Close leaves it in place.
func WithDir(dir string) Option { return func(o *options) { o.dir = dir } }

// WithAuth sets the credentials for the remote. An HTTP method (basic or token auth)
// is used only for http(s) URLs and an SSH method only for ssh URLs, so one method
// from the environment can be passed for any source. Without it, credentials in the
// URL are used for http(s), and the SSH agent for ssh.
func WithAuth(a transport.AuthMethod) Option { return func(o *options) { o.auth = a } }

// WithLogger sets the logger (default: discard). Logs never carry credentials.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// AuthFromEnv returns HTTP basic auth with user "x-access-token" and the token in
// GIT_TOKEN or, when that is empty, GITHUB_TOKEN; nil when neither is set.
func AuthFromEnv() transport.AuthMethod {
	for _, name := range []string{"GIT_TOKEN", "GITHUB_TOKEN"} {
		if tok := os.Getenv(name); tok != "" {
			return &githttp.BasicAuth{Username: "x-access-token", Password: tok}
		}
	}
	return nil
}

// authFor returns a only when it suits the URL's protocol.
func authFor(protocol string, a transport.AuthMethod) transport.AuthMethod {
	if a == nil {
		return nil
	}
	web := protocol == "http" || protocol == "https"
	switch a.(type) {
	case githttp.AuthMethod:
		if !web {
			return nil
		}
	case gitssh.AuthMethod:
		if protocol != "ssh" {
			return nil
		}
	}
	return a
}

// hasCreds reports whether a request to rawURL with auth carries credentials.
func hasCreds(rawURL string, auth transport.AuthMethod) bool {
	if auth != nil {
		return true
	}
	ep, err := transport.NewEndpoint(rawURL)
	return err == nil && ep.Protocol != "ssh" && (ep.User != "" || ep.Password != "")
}
