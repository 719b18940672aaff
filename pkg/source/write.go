package source

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// WriteFiles replaces the contents of files under Root (slash paths relative to it),
// each atomically and keeping its mode. A symlink is written through: the file it leads
// to is replaced and the link stays a link; a link leading outside Root is refused. It
// returns the absolute paths of the files written (link targets for links), for a commit.
func (s *Source) WriteFiles(changed map[string][]byte) ([]string, error) {
	names := make([]string, 0, len(changed))
	for n := range changed {
		names = append(names, n)
	}
	sort.Strings(names)
	var written []string
	done := map[string]bool{}
	for _, n := range names {
		target, err := s.writeTarget(n)
		if err != nil {
			return written, fmt.Errorf("write %s: %w", n, err)
		}
		if err := writeFileAtomic(target, changed[n]); err != nil {
			return written, fmt.Errorf("write %s: %w", n, err)
		}
		if !done[target] {
			done[target] = true
			written = append(written, target)
		}
	}
	return written, nil
}

// writeTarget returns the path to replace for the file name: the file itself, or the
// file its symlinks lead to, spelled under Root. It must be a regular file inside Root.
func (s *Source) writeTarget(name string) (string, error) {
	p := filepath.Join(s.Root, filepath.FromSlash(name))
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", err
	}
	root, err := filepath.EvalSymlinks(s.Root)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(root, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("it leads through a symlink to %s, outside the source root %s: refusing to write through it", real, s.Root)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", real)
	}
	return filepath.Join(s.Root, rel), nil
}

// writeFileAtomic replaces the regular file path with data through a temporary file
// renamed over it, keeping its permissions.
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
