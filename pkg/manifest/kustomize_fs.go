package manifest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/repofile"
)

var errReadOnly = errors.New("the source tree is read-only during a kustomize build")

// rootFS is the file system Kustomize builds see: the disk, read-only, and limited to
// the source root (symlinks resolved), so a kustomization can use ../base inside the
// repository but nothing outside it. Files are read as every repository file is
// (pkg/repofile: regular files only, within the render's byte budget), and every call
// fails once ctx ends, which is how a build stops at its deadline. It also lets the
// top-level kustomization ask for origin annotations without the file on disk being
// changed.
type rootFS struct {
	ctx     context.Context
	disk    filesys.FileSystem
	root    sourceRoot
	top     map[string]bool // absolute paths of the top-level kustomization file names
	rewrite func([]byte) []byte
	read    func(abs string, data []byte) // called with every file read, as on disk; may be nil
	// openAPI is set when the build runs alone, as one whose tree sets openapi: must
	// (kustomizeBuilds); otherwise a kustomization that sets it is refused as it is read.
	openAPI bool
	// refused is the refusal of a hidden openapi:, kept because Kustomize reports a
	// kustomization file it cannot read as one it did not find.
	refused error
}

var _ filesys.FileSystem = (*rootFS)(nil)

func newRootFS(ctx context.Context, root sourceRoot, topDir string, rewrite func([]byte) []byte) *rootFS {
	top := map[string]bool{}
	for _, name := range kustomizationFiles {
		top[filepath.Join(topDir, name)] = true
	}
	return &rootFS{ctx: ctx, disk: filesys.MakeFsOnDisk(), root: root, top: top, rewrite: rewrite}
}

func (f *rootFS) check(p string) error {
	if err := f.ctx.Err(); err != nil {
		return fmt.Errorf("kustomize build stopped: %w", context.Cause(f.ctx))
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return err
	}
	if err := f.root.inside(abs); err != nil {
		return fmt.Errorf("refusing to read outside the source root: %w", err)
	}
	return nil
}

func (f *rootFS) Create(p string) (filesys.File, error) {
	return nil, fmt.Errorf("create %s: %w", p, errReadOnly)
}
func (f *rootFS) Mkdir(p string) error     { return fmt.Errorf("mkdir %s: %w", p, errReadOnly) }
func (f *rootFS) MkdirAll(p string) error  { return fmt.Errorf("mkdir %s: %w", p, errReadOnly) }
func (f *rootFS) RemoveAll(p string) error { return fmt.Errorf("remove %s: %w", p, errReadOnly) }
func (f *rootFS) WriteFile(p string, _ []byte) error {
	return fmt.Errorf("write %s: %w", p, errReadOnly)
}

// Open reads the whole file the way ReadFile does and serves it from memory.
func (f *rootFS) Open(p string) (filesys.File, error) {
	data, err := f.ReadFile(p)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	return &memFile{Reader: bytes.NewReader(data), info: fi}, nil
}

func (f *rootFS) IsDir(p string) bool {
	return f.check(p) == nil && f.disk.IsDir(p)
}

func (f *rootFS) ReadDir(p string) ([]string, error) {
	if err := f.check(p); err != nil {
		return nil, err
	}
	return f.disk.ReadDir(p)
}

func (f *rootFS) CleanedAbs(p string) (filesys.ConfirmedDir, string, error) {
	if err := f.check(p); err != nil {
		return "", "", err
	}
	d, name, err := f.disk.CleanedAbs(p)
	if err != nil {
		return "", "", err
	}
	if err := f.check(d.String()); err != nil {
		return "", "", err
	}
	return d, name, nil
}

func (f *rootFS) Exists(p string) bool {
	return f.check(p) == nil && f.disk.Exists(p)
}

func (f *rootFS) Glob(pattern string) ([]string, error) {
	if err := f.check(filepath.Dir(pattern)); err != nil {
		return nil, err
	}
	matches, err := f.disk.Glob(pattern)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range matches {
		if f.check(m) == nil {
			out = append(out, m)
		}
	}
	return out, nil
}

func (f *rootFS) ReadFile(p string) ([]byte, error) {
	if err := f.check(p); err != nil {
		return nil, err
	}
	abs, _ := filepath.Abs(p)
	abs = filepath.Clean(abs)
	data, err := repofile.ReadFile(f.root.dir, f.root.rel(abs), f.root.budget)
	if err != nil {
		return nil, err
	}
	if f.read != nil {
		f.read(abs, data)
	}
	if !f.openAPI && slices.Contains(kustomizationFiles, filepath.Base(abs)) {
		// Read as Kustomize reads it (merge keys, keys in any case), whatever the check
		// before the build made of it: its schema would stay in the process, for every
		// build that runs beside this one and after it.
		var k types.Kustomization
		if k.Unmarshal(data) == nil && len(k.OpenAPI) > 0 {
			f.refused = fmt.Errorf("%s: openapi: is set in a way the check before the build did not see "+
				"(a merge key, a key not in lower case, or a kustomization reached through a symbolic link); "+
				"write it as a plain openapi: key of a kustomization the tree reaches by its own path", f.root.rel(abs))
			return nil, f.refused
		}
	}
	if f.top[abs] && f.rewrite != nil {
		data = f.rewrite(data)
	}
	return data, nil
}

func (f *rootFS) Walk(p string, fn filepath.WalkFunc) error {
	if err := f.check(p); err != nil {
		return err
	}
	return f.disk.Walk(p, func(path string, info fs.FileInfo, err error) error {
		if cerr := f.ctx.Err(); cerr != nil {
			return cerr
		}
		return fn(path, info, err)
	})
}

// memFile is a file read into memory: Kustomize only reads the files it opens.
type memFile struct {
	*bytes.Reader
	info fs.FileInfo
}

func (m *memFile) Write([]byte) (int, error)  { return 0, errReadOnly }
func (m *memFile) Close() error               { return nil }
func (m *memFile) Stat() (os.FileInfo, error) { return m.info, nil }
