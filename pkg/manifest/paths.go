package manifest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/repofile"
)

// sourceRoot is the directory everything is read from, with symlinks resolved so that
// containment checks compare like with like.
type sourceRoot struct {
	dir    string           // absolute, symlinks resolved
	budget *repofile.Budget // what one Load may read; nil: the per-file limit only
}

func newSourceRoot(root string) (sourceRoot, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return sourceRoot{}, fmt.Errorf("source root %s: %w", root, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return sourceRoot{}, fmt.Errorf("source root %s: %w", root, err)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return sourceRoot{}, fmt.Errorf("source root %s: %w", root, err)
	}
	if !fi.IsDir() {
		return sourceRoot{}, fmt.Errorf("source root %s: not a directory", root)
	}
	return sourceRoot{dir: real}, nil
}

// abs turns a slash-separated path relative to the root into an absolute path.
func (r sourceRoot) abs(rel string) string {
	return filepath.Join(r.dir, filepath.FromSlash(rel))
}

// rel turns an absolute path under the root into a slash-separated relative path.
func (r sourceRoot) rel(abs string) string {
	rel, err := filepath.Rel(r.dir, abs)
	if err != nil {
		return filepath.ToSlash(abs)
	}
	return filepath.ToSlash(rel)
}

// contains reports whether the absolute path p is the root or below it, lexically.
func (r sourceRoot) contains(p string) bool {
	return within(r.dir, p)
}

func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, filepath.Clean(p))
	if err != nil {
		return false
	}
	return rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// resolve evaluates symlinks in the absolute path p. A path that does not exist is
// resolved through its longest existing ancestor, and a dangling symlink through its
// target, so a missing name cannot hide an escape.
func resolve(p string) (string, error) {
	return resolveDepth(filepath.Clean(p), 0)
}

func resolveDepth(p string, depth int) (string, error) {
	if depth > 40 {
		return "", fmt.Errorf("%s: too many levels of symbolic links", p)
	}
	real, err := filepath.EvalSymlinks(p)
	if err == nil {
		return real, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	parent := filepath.Dir(p)
	if parent == p {
		return p, nil
	}
	realParent, err := resolveDepth(parent, depth+1)
	if err != nil {
		return "", err
	}
	joined := filepath.Join(realParent, filepath.Base(p))
	if target, err := os.Readlink(joined); err == nil {
		if !filepath.IsAbs(target) {
			target = filepath.Join(realParent, target)
		}
		return resolveDepth(filepath.Clean(target), depth+1)
	}
	return joined, nil
}

// inside checks that the absolute path p, with symlinks resolved, stays under the root.
func (r sourceRoot) inside(p string) error {
	if !r.contains(p) {
		return fmt.Errorf("%s is outside the source root", p)
	}
	real, err := resolve(p)
	if err != nil {
		return err
	}
	if !r.contains(real) {
		return fmt.Errorf("%s resolves to %s, outside the source root", r.rel(p), real)
	}
	return nil
}

// startPath validates one --path value and returns it cleaned, slash-separated and
// relative to the root ("." for the root itself).
func (r sourceRoot) startPath(p string) (string, error) {
	if strings.TrimSpace(p) == "" {
		return "", errors.New("path is empty")
	}
	if filepath.IsAbs(p) {
		return "", fmt.Errorf("path %q must be relative to the source root", p)
	}
	clean := filepath.Clean(filepath.FromSlash(p))
	abs := filepath.Join(r.dir, clean)
	if !r.contains(abs) {
		return "", fmt.Errorf("path %q escapes the source root", p)
	}
	if _, err := os.Lstat(abs); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("path %q does not exist in the source root", p)
		}
		return "", fmt.Errorf("path %q: %w", p, err)
	}
	if err := r.inside(abs); err != nil {
		return "", fmt.Errorf("path %q: %w", p, err)
	}
	return filepath.ToSlash(clean), nil
}

// readFile reads a file under the root, refusing one that a symlink leads outside it.
func (r sourceRoot) readFile(rel string) ([]byte, error) {
	return repofile.ReadFile(r.dir, rel, r.budget)
}
