package source

import (
	"context"
	"log/slog"
	"strings"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/redact"
)

// Source is an opened source: where manifests are read and what commit they are.
type Source struct {
	// Root is the directory reads are confined to: the work tree's top, the clone, or
	// a directory outside git.
	Root string
	// Paths are the files and directories to read, slash paths relative to Root;
	// empty means all of Root.
	Paths []string
	// Revision is the commit sha; "" for a directory outside git.
	Revision string
	// URL is the repository URL (without credentials) or local path, for records.
	URL string
	// Repo is the git repository, nil for a directory outside git.
	Repo *gitrepo.Repo
	// Clone is set when Root is a temporary clone: writes there are lost unless pushed.
	Clone bool

	generation bool
	limits     manifest.Limits
	redactor   *redact.Redactor
	dirty      func() bool // nil: never dirty (a clone, a directory outside git)
}

// Dirty reports whether Root is a local work tree with uncommitted changes (they are
// read). It reads the status of every file, so it is asked only by who needs it (a
// plan of a checkout nobody wrote to never does), once per Source.
func (s *Source) Dirty() bool {
	return s.dirty != nil && s.dirty()
}

// Close removes a clone. The Source must not be used afterwards.
func (s *Source) Close() {
	if s.Repo != nil {
		_ = s.Repo.Close()
	}
}

// Load reads the manifests under Paths (see manifest.Load).
func (s *Source) Load(ctx context.Context, log *slog.Logger) ([]manifest.Object, error) {
	return manifest.Load(ctx, s.Root,
		manifest.WithPaths(s.Paths...),
		manifest.WithManifestGeneration(s.generation),
		manifest.WithLimits(s.limits),
		manifest.WithLogger(log),
		manifest.WithRedactor(s.redactor))
}

// Describe is the source as recorded on the ApplySet: the URL and the paths.
func (s *Source) Describe() string {
	d := s.URL
	if len(s.Paths) > 0 {
		d += " (paths: " + strings.Join(s.Paths, ",") + ")"
	}
	return d
}

// Remote is the repository's URL (without credentials) when it was cloned from a
// URL, "" for a local work tree, a local repository or a directory outside git: never
// a path of this machine, so that it can be shown to others.
func (s *Source) Remote() string {
	if s.Repo == nil || !isURL(s.URL) {
		return ""
	}
	return s.URL
}

// isURL tells a repository URL (https://…, ssh://…, git@host:path) from a local path.
func isURL(u string) bool {
	if strings.Contains(u, "://") {
		return !strings.HasPrefix(u, "file://")
	}
	at, colon := strings.Index(u, "@"), strings.Index(u, ":")
	return at > 0 && colon > at && !strings.Contains(u[:colon], "/")
}

// Redactor is the redactor that learns the Secret values of what Load reads (nil
// when Options.Redactor was not set).
func (s *Source) Redactor() *redact.Redactor { return s.redactor }
