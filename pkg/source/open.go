package source

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
)

// Open opens the source.
//
// A directory inside a git work tree is read in place (uncommitted changes included)
// with the work tree's top as Root and the directory as a path under it; its HEAD is
// the Revision. With Ref, that ref is read from a clone and the work tree is not
// touched. A directory outside git is its own Root (Ref is then an error). A URL, or a
// path to a bare repository, is cloned. Close releases what Open made.
func (o *Options) Open(ctx context.Context, log *slog.Logger) (*Source, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	src := o.source()
	if strings.Contains(src, "://") || !exists(src) {
		return o.openRemote(ctx, src, log) // gitrepo.Open tells a URL from a missing path
	}
	abs, err := filepath.Abs(src)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", src, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", src, err)
	}
	if fi, err := os.Stat(real); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("source %s: not a directory", src)
	}
	top := workTreeRoot(real)
	if top == "" {
		if isBareRepo(real) {
			return o.openRemote(ctx, real, log)
		}
		if o.Ref != "" {
			return nil, fmt.Errorf("source %s: --ref %q given but the directory is not in a git repository", src, o.Ref)
		}
		paths, err := subPaths(".", o.Paths)
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", src, err)
		}
		return &Source{Root: abs, Paths: paths, URL: abs, generation: o.ManifestGeneration, limits: o.Limits, redactor: o.Redactor}, nil
	}
	dir, err := filepath.Rel(top, real)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", src, err)
	}
	dir = filepath.ToSlash(dir)
	paths, err := subPaths(dir, o.Paths)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", src, err)
	}
	repo, err := gitrepo.Open(ctx, top, o.Ref, o.gitOptions(gitrepo.WithLogger(log))...)
	if err != nil {
		return nil, err
	}
	s := o.opened(repo, paths)
	if repo.Dir() != top {
		s.Clone = true
		if _, err := os.Stat(filepath.Join(s.Root, filepath.FromSlash(dir))); err != nil {
			s.Close()
			return nil, fmt.Errorf("source %s: directory %s does not exist at %s in %s", src, dir, o.Ref, repo.URL())
		}
		return s, nil
	}
	s.dirty = sync.OnceValue(func() bool {
		dirty, err := repo.Dirty()
		if err != nil {
			log.Warn("cannot tell whether the work tree has uncommitted changes; taking it as dirty", "dir", top, "err", err)
			return true
		}
		return dirty
	})
	return s, nil
}

// openRemote clones src: a URL or a bare repository. Paths are relative to its top.
func (o *Options) openRemote(ctx context.Context, src string, log *slog.Logger) (*Source, error) {
	paths, err := subPaths(".", o.Paths)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", gitrepo.RedactURL(src), err)
	}
	repo, err := gitrepo.Open(ctx, src, o.Ref, o.gitOptions(gitrepo.WithLogger(log))...)
	if err != nil {
		return nil, err
	}
	s := o.opened(repo, paths)
	s.Clone = true
	return s, nil
}

func (o *Options) opened(repo *gitrepo.Repo, paths []string) *Source {
	return &Source{Root: repo.Dir(), Paths: paths, Revision: repo.Revision(), URL: repo.URL(), Repo: repo, generation: o.ManifestGeneration, limits: o.Limits, redactor: o.Redactor}
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil || !errors.Is(err, os.ErrNotExist)
}
