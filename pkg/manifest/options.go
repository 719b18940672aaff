package manifest

import (
	"log/slog"
	"runtime"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/redact"
)

// DefaultGeneratorTimeout bounds one .gitops.yaml generator command.
const DefaultGeneratorTimeout = 2 * time.Minute

// Option configures Load.
type Option func(*options)

type options struct {
	paths            []string
	generation       bool
	generatorTimeout time.Duration
	concurrency      int
	log              *slog.Logger
	redactor         *redact.Redactor
}

func newOptions(opts []Option) options {
	o := options{
		generatorTimeout: DefaultGeneratorTimeout,
		concurrency:      runtime.GOMAXPROCS(0),
		log:              slog.New(slog.DiscardHandler),
		redactor:         redact.New(),
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.concurrency < 1 {
		o.concurrency = 1
	}
	return o
}

// WithPaths restricts discovery to these paths (files or directories) relative to the
// source root, like the repeatable --path flag. A path that does not exist or resolves
// outside the root is an error. Without it the whole root is read.
func WithPaths(paths ...string) Option {
	return func(o *options) { o.paths = append(o.paths, paths...) }
}

// WithManifestGeneration allows running the commands that .gitops.yaml files declare.
// It is off by default because those commands come from the repository.
func WithManifestGeneration(on bool) Option {
	return func(o *options) { o.generation = on }
}

// WithGeneratorTimeout bounds each generator command (default DefaultGeneratorTimeout).
func WithGeneratorTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.generatorTimeout = d
		}
	}
}

// WithConcurrency bounds how many files, builds and generators are processed at once
// (default GOMAXPROCS). The result order does not depend on it.
func WithConcurrency(n int) Option {
	return func(o *options) { o.concurrency = n }
}

// WithLogger sets the logger for discovery decisions (skipped files and directories are
// logged at debug level). The default discards logs.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.log = l
		}
	}
}

// WithRedactor sets the Redactor that learns the secret values of the render: every
// value of every Secret (data and stringData) and every secretGenerator input (literals,
// files, env files), from the render and, when a Kustomize build fails, from the files
// it read. The errors Load returns are redacted with it; the caller uses it for the text
// it shows (problems, logs, statuses). Without it Load uses its own, for its errors only.
func WithRedactor(r *redact.Redactor) Option {
	return func(o *options) {
		if r != nil {
			o.redactor = r
		}
	}
}
