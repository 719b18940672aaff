package source

import (
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/spf13/pflag"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/redact"
)

// Options say where the manifests come from.
type Options struct {
	// Source is a directory or a git URL (a command's SOURCE argument; "" means ".").
	Source string
	// Ref is the branch, tag or commit to read ("": the work tree as it is, or the
	// remote's default branch). A local work tree not at Ref is cloned.
	Ref string
	// Paths restrict reading to these files or directories, relative to Source
	// (repeatable --path); empty means all of Source.
	Paths []string
	// ManifestGeneration allows running .gitops.yaml generator commands (Load).
	ManifestGeneration bool
	// Auth is the git credentials for remotes; nil means gitrepo.AuthFromEnv().
	Auth transport.AuthMethod
	// MaxCloneBytes bounds a clone of a remote (gitrepo.WithMaxBytes; 0: no bound).
	MaxCloneBytes int64
	// Limits bound the render (manifest.Limits; zero fields: manifest.DefaultLimits).
	Limits manifest.Limits
	// Redactor, when set, learns the Secret values of the render while loading (see
	// pkg/redact), so every text leaving the caller can be redacted with it.
	Redactor *redact.Redactor
}

// AddFlags registers --ref and --path.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Ref, "ref", o.Ref, "git branch, tag or commit to read (default: the work tree as it is, or the remote's default branch)")
	fs.StringArrayVar(&o.Paths, "path", o.Paths, "only read manifests under this path, relative to SOURCE (repeatable)")
}

// AddLimitFlags registers the render limits on fs, with manifest.DefaultLimits as their
// defaults: the plugin's plan and apply and the bot use it, so the defaults are stated
// once. A repository is untrusted input; these bound what rendering it may cost.
func AddLimitFlags(fs *pflag.FlagSet, l *manifest.Limits) {
	d := manifest.DefaultLimits
	fs.IntVar(&l.MaxObjects, "max-objects", d.MaxObjects, "most objects one render (one target) may have; more is an error, and nothing is planned or applied (-1: no limit)")
	fs.Int64Var(&l.MaxObjectsBytes, "max-render-bytes", d.MaxObjectsBytes, "most bytes of objects (as JSON) one render may have (-1: no limit)")
	fs.Int64Var(&l.MaxReadBytes, "max-read-bytes", d.MaxReadBytes, "most bytes one render may read from the repository, Kustomize's reads of the same file counted each time (-1: no limit)")
	fs.Int64Var(&l.MaxFileBytes, "max-file-bytes", d.MaxFileBytes, "largest repository file read, in bytes (-1: no limit)")
}

// AddManifestGenerationFlag registers --manifest-generation.
func (o *Options) AddManifestGenerationFlag(fs *pflag.FlagSet) {
	fs.BoolVar(&o.ManifestGeneration, "manifest-generation", o.ManifestGeneration, "run the commands of .gitops.yaml generators (they come from the repository: trust it first)")
}

// IsURL reports whether Source names a remote repository (scheme://… or the
// scp-like user@host:path) rather than a local directory.
func (o *Options) IsURL() bool { return gitrepo.IsRemote(o.source()) }

func (o *Options) source() string {
	if o.Source == "" {
		return "."
	}
	return o.Source
}

// gitOptions are the options of every gitrepo.Open of a source: its credentials (the
// one place they are chosen) and the logger.
func (o *Options) gitOptions(opts ...gitrepo.Option) []gitrepo.Option {
	auth := o.Auth
	if auth == nil {
		auth = gitrepo.AuthFromEnv()
	}
	return append([]gitrepo.Option{gitrepo.WithAuth(auth), gitrepo.WithMaxBytes(o.MaxCloneBytes)}, opts...)
}
