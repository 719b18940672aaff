package images

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
)

// SourceOptions say where the manifests are: a directory (inside a git work tree when
// committing) or a git URL that is cloned, plus the paths under it to read.
type SourceOptions struct {
	// Source is a directory or a git URL (the command's argument; default ".").
	Source string
	// Ref is the branch, tag or commit to clone when Source is a URL.
	Ref string
	// Paths constrain discovery (relative to Source); empty means all of it.
	Paths []string
	// ConfigFile is the .gitops.yaml holding the images: section (default: Source/.gitops.yaml).
	ConfigFile string

	// Root is the directory read (the clone for a URL); set by Open.
	Root string
	// Repo is the opened git repository, when Open was asked for one.
	Repo *gitrepo.Repo
}

// AddFlags registers --path, --ref and --config.
func (o *SourceOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&o.Paths, "path", o.Paths, "Directory or file under the source to read (repeatable); default: all of it")
	cmd.Flags().StringVar(&o.Ref, "ref", o.Ref, "Branch, tag or commit to clone when the source is a git URL (default: the remote's default branch)")
	cmd.Flags().StringVar(&o.ConfigFile, "config", o.ConfigFile, "File holding the images: section (default: SOURCE/"+images.ConfigFile+")")
}

// IsURL reports whether Source names a remote repository.
func (o *SourceOptions) IsURL() bool { return strings.Contains(o.Source, "://") }

// Open resolves Source. A URL is cloned; a directory is used in place and opened as a
// git repository only when withRepo is set (to commit).
func (o *SourceOptions) Open(ctx context.Context, withRepo bool, logger *slog.Logger) error {
	if o.Source == "" {
		o.Source = "."
	}
	opts := []gitrepo.Option{gitrepo.WithLogger(logger)}
	if auth := gitrepo.AuthFromEnv(); auth != nil {
		opts = append(opts, gitrepo.WithAuth(auth))
	}
	if o.IsURL() {
		repo, err := gitrepo.Open(ctx, o.Source, o.Ref, opts...)
		if err != nil {
			return err
		}
		o.Repo, o.Root = repo, repo.Dir()
		return nil
	}
	abs, err := filepath.Abs(o.Source)
	if err != nil {
		return fmt.Errorf("source %s: %w", o.Source, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("source %s: not a directory", o.Source)
	}
	o.Root = abs
	if withRepo {
		repo, err := gitrepo.Open(ctx, abs, "", opts...)
		if err != nil {
			return err
		}
		o.Repo = repo
	}
	return nil
}

// Close removes a temporary clone.
func (o *SourceOptions) Close() {
	if o.Repo != nil {
		_ = o.Repo.Close()
	}
}

// Rules reads the images: section of the configuration file (absent file: defaults).
func (o *SourceOptions) Rules() (*images.Rules, error) {
	path := o.ConfigFile
	explicit := path != ""
	if !explicit {
		path = filepath.Join(o.Root, images.ConfigFile)
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !explicit {
		data = nil
	} else if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	name := path
	if rel, err := filepath.Rel(o.Root, path); err == nil && !strings.HasPrefix(rel, "..") {
		name = filepath.ToSlash(rel)
	}
	cfg, lines, err := images.ParseConfig(name, data)
	if err != nil {
		return nil, err
	}
	return cfg.Rules(name, lines)
}

// ReadFiles lists the plain YAML files pkg/manifest reads, and the YAML files of
// Kustomize directories, and loads them.
func (o *SourceOptions) ReadFiles() ([]images.File, map[string][]byte, error) {
	names, err := manifest.DiscoverFiles(o.Root, o.Paths...)
	if err != nil {
		return nil, nil, err
	}
	kfiles, err := kustomizeFiles(o.Root, o.Paths)
	if err != nil {
		return nil, nil, err
	}
	listed := map[string]bool{}
	for _, n := range names {
		listed[n] = true
	}
	for _, n := range kfiles {
		if !listed[n] {
			names = append(names, n)
		}
	}
	files := make([]images.File, 0, len(names))
	data := make(map[string][]byte, len(names))
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(o.Root, filepath.FromSlash(n)))
		if err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", n, err)
		}
		files = append(files, images.File{Path: n, Data: b})
		data[n] = b
	}
	return files, data, nil
}

// WriteFiles replaces files under Root (slash paths) atomically, keeping their mode.
func (o *SourceOptions) WriteFiles(changed map[string][]byte) ([]string, error) {
	var written []string
	for _, n := range sortedKeys(changed) {
		path := filepath.Join(o.Root, filepath.FromSlash(n))
		if err := writeFileAtomic(path, changed[n]); err != nil {
			return written, fmt.Errorf("write %s: %w", n, err)
		}
		written = append(written, path)
	}
	return written, nil
}

func writeFileAtomic(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
