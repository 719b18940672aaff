package gitopsfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/repofile"
)

// Read reads and parses the .gitops.yaml name (a slash path relative to root, the
// repository's top) through pkg/repofile: a regular file inside root, within b's limits
// (b may be nil: the default per-file limit). An absent file is a File that does not
// exist, with no sections; one that cannot be read (a link out of root, a named pipe,
// too large, a dangling link) is the error, naming the file. Parse's errors follow.
func Read(root, name string, b *repofile.Budget) (*File, error) {
	data, err := repofile.ReadFile(root, name, b)
	if errors.Is(err, fs.ErrNotExist) && absent(root, name) {
		return &File{path: name}, nil
	}
	if err != nil {
		return nil, err
	}
	return Parse(name, data)
}

// absent reports whether root has no entry name: a dangling link is an entry.
func absent(root, name string) bool {
	_, err := os.Lstat(filepath.Join(root, filepath.FromSlash(name)))
	return errors.Is(err, fs.ErrNotExist)
}
