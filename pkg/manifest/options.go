package manifest

import (
	"log/slog"
	"runtime"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/redact"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/repofile"
)

// DefaultGeneratorTimeout bounds one .gitops.yaml generator command.
const DefaultGeneratorTimeout = 2 * time.Minute

// Limits bound one Load: what a repository may make it read, and render. A repository
// is untrusted input (a pull request from a fork), so each has a default; hitting one is
// an error naming the file, the limit and its value, never a truncated render.
type Limits struct {
	MaxFileBytes    int64 // one file read
	MaxReadBytes    int64 // every file read, Kustomize's reads included
	MaxObjects      int   // objects rendered
	MaxObjectsBytes int64 // those objects, as JSON
}

// DefaultLimits are the limits of a Load without WithLimits, and of each zero field.
var DefaultLimits = Limits{
	MaxFileBytes:    repofile.DefaultMaxFileBytes,
	MaxReadBytes:    repofile.DefaultMaxTotalBytes,
	MaxObjects:      20000,
	MaxObjectsBytes: 256 << 20,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxFileBytes != 0 {
		d.MaxFileBytes = l.MaxFileBytes
	}
	if l.MaxReadBytes != 0 {
		d.MaxReadBytes = l.MaxReadBytes
	}
	if l.MaxObjects != 0 {
		d.MaxObjects = l.MaxObjects
	}
	if l.MaxObjectsBytes != 0 {
		d.MaxObjectsBytes = l.MaxObjectsBytes
	}
	return d
}

// WithLimits sets the limits of the render; zero fields keep DefaultLimits.
func WithLimits(l Limits) Option {
	return func(o *options) { o.limits = l.withDefaults() }
}

// Option configures Load.
type Option func(*options)

type options struct {
	paths            []string
	generation       bool
	generatorTimeout time.Duration
	concurrency      int
	log              *slog.Logger
	redactor         *redact.Redactor
	limits           Limits
}

func newOptions(opts []Option) options {
	o := options{
		generatorTimeout: DefaultGeneratorTimeout,
		concurrency:      runtime.GOMAXPROCS(0),
		log:              slog.New(slog.DiscardHandler),
		redactor:         redact.New(),
		limits:           DefaultLimits,
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
