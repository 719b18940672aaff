package cmdutil

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/redact"
)

// SourceOptions say where the manifests come from.
type SourceOptions struct {
	Source             string // positional: a directory, or a git URL
	Ref                string
	Paths              []string
	ManifestGeneration bool

	// Redactor learns the secret values of the render while loading; every text that
	// leaves the command (errors, problems, logs, statuses) is redacted with it.
	Redactor *redact.Redactor
}

// AddFlags registers the source flags.
func (o *SourceOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Ref, "ref", "", "git branch, tag or commit to read (default: the work tree as it is, or the remote's default branch)")
	fs.StringArrayVar(&o.Paths, "path", nil, "only look for manifests under this path, relative to the source (repeatable)")
	fs.BoolVar(&o.ManifestGeneration, "manifest-generation", false, "run the commands of .gitops.yaml generators (they come from the repository: trust it first)")
}

// Source is an opened source: where manifests are read and what commit they are.
type Source struct {
	Root     string // directory the manifests are read from
	Revision string // git commit sha, "" for a plain directory
	Dirty    bool   // local work tree with uncommitted changes
	URL      string // repository URL or local path, for records
	Repo     *gitrepo.Repo
}

// Close releases a clone.
func (s *Source) Close() {
	if s.Repo != nil {
		_ = s.Repo.Close()
	}
}

// Open opens the source. A local directory outside git is read as it is; inside a work
// tree its commit is recorded (and with --ref, that ref is read from a clone, leaving
// the work tree untouched). A URL is cloned.
func (o *SourceOptions) Open(ctx context.Context, log *slog.Logger) (*Source, error) {
	src := o.Source
	if src == "" {
		src = "."
	}
	if strings.Contains(src, "://") || !isLocal(src) {
		repo, err := gitrepo.Open(ctx, src, o.Ref, gitrepo.WithAuth(gitrepo.AuthFromEnv()), gitrepo.WithLogger(log))
		if err != nil {
			return nil, err
		}
		return &Source{Root: repo.Dir(), Revision: repo.Revision(), URL: repo.URL(), Repo: repo}, nil
	}
	abs, err := filepath.Abs(src)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("source %s: not a directory", src)
	}
	top := workTreeRoot(abs)
	if top == "" {
		if o.Ref != "" {
			return nil, fmt.Errorf("source %s: --ref %q given but the directory is not in a git repository", src, o.Ref)
		}
		return &Source{Root: abs, URL: abs}, nil
	}
	repo, err := gitrepo.Open(ctx, top, o.Ref, gitrepo.WithAuth(gitrepo.AuthFromEnv()), gitrepo.WithLogger(log))
	if err != nil {
		return nil, err
	}
	rel, _ := filepath.Rel(top, abs)
	s := &Source{Root: filepath.Join(repo.Dir(), rel), Revision: repo.Revision(), URL: repo.URL(), Repo: repo}
	if repo.Dir() == top {
		s.Dirty, _ = repo.Dirty()
	}
	return s, nil
}

// Load reads the manifests of the opened source.
func (o *SourceOptions) Load(ctx context.Context, s *Source, log *slog.Logger) ([]manifest.Object, error) {
	return manifest.Load(ctx, s.Root,
		manifest.WithPaths(o.Paths...),
		manifest.WithManifestGeneration(o.ManifestGeneration),
		manifest.WithLogger(log),
		manifest.WithRedactor(o.Redactor))
}

// Describe is the source as recorded on the ApplySet: URL, paths.
func (o *SourceOptions) Describe(s *Source) string {
	d := s.URL
	if len(o.Paths) > 0 {
		d += " (paths: " + strings.Join(o.Paths, ",") + ")"
	}
	return d
}

func isLocal(src string) bool {
	_, err := os.Stat(src)
	return err == nil
}

// workTreeRoot returns the root of the git work tree holding dir, or "".
func workTreeRoot(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}
