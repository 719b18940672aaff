package gitrepo

import (
	"log/slog"

	"github.com/go-git/go-git/v5/plumbing/transport"
)

// Option configures Open.
type Option func(*options)

type options struct {
	dir      string
	auth     transport.AuthMethod
	log      *slog.Logger
	maxBytes int64
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
// from the environment can be passed for any source; what AuthOptions.Auth and
// AuthFromEnv return holds one of each. Without it, credentials in the URL are used
// for http(s), and the SSH agent with ~/.ssh/known_hosts for ssh.
func WithAuth(a transport.AuthMethod) Option { return func(o *options) { o.auth = a } }

// WithLogger sets the logger (default: discard). Logs never carry credentials.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithMaxBytes bounds a clone on disk: the bytes it fetches (the pack the remote
// sends, over any transport) and the bytes of the files it checks out, together at
// most n (0: no bound). The fetch is cut as soon as it passes n, and the files are
// counted before they are written. Beyond it Open fails with an error wrapping ErrTooLarge that names the
// repository and the limit, and removes what it fetched. Later fetches of the Repo
// (Update, FetchBranches) are bounded alike, each on its own.
func WithMaxBytes(n int64) Option { return func(o *options) { o.maxBytes = n } }
