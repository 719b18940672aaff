package source

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// subPaths turns the --path values, relative to the directory dir (a slash path
// relative to the root), into slash paths relative to the root. No value means dir
// itself (nothing, when dir is the root). A value may leave dir but not the root.
func subPaths(dir string, paths []string) ([]string, error) {
	if len(paths) == 0 {
		if dir == "." {
			return nil, nil
		}
		return []string{dir}, nil
	}
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		if strings.TrimSpace(p) == "" {
			return nil, errors.New("--path is empty")
		}
		if filepath.IsAbs(p) {
			return nil, fmt.Errorf("--path %q must be relative to SOURCE", p)
		}
		joined := path.Join(dir, filepath.ToSlash(p))
		if joined == ".." || strings.HasPrefix(joined, "../") {
			return nil, fmt.Errorf("--path %q leads outside the source root", p)
		}
		out = append(out, joined)
	}
	return out, nil
}

// workTreeRoot returns the top of the git work tree holding the directory dir (the
// nearest ancestor with a .git directory or file), or "".
func workTreeRoot(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// isBareRepo reports whether dir looks like a bare git repository.
func isBareRepo(dir string) bool {
	for _, p := range []string{"HEAD", "objects", "refs"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			return false
		}
	}
	return true
}
