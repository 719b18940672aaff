package gitrepotest

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// NewBare makes a bare repository at path, open to pushes over HTTP, whose
// DefaultBranch is one commit "initial" of files (slash-separated path → content; an
// empty content writes no file), written with git's plumbing and no work tree. It
// returns the commit's sha. It needs no test's t: a benchmark makes its remotes with
// it; a test that also wants a work tree uses NewRepo and Repo.Bare.
func NewBare(path string, files map[string]string) (string, error) {
	path, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("bare repository %s: %w", path, err)
	}
	if _, err := Run("", "init", "-q", "--bare", "-b", DefaultBranch, path); err != nil {
		return "", err
	}
	if _, err := Run(path, "config", "http.receivepack", "true"); err != nil {
		return "", err
	}
	var entries strings.Builder // update-index --index-info: "MODE SHA\tPATH"
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if files[name] == "" {
			continue
		}
		blob, err := run(path, files[name], nil, "hash-object", "-w", "--stdin")
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&entries, "100644 %s\t%s\n", blob, name)
	}
	// A bare repository has no index: the tree is built in a temporary one.
	indexFile := filepath.Join(path, "gitrepotest-index")
	defer os.Remove(indexFile)
	index := []string{"GIT_INDEX_FILE=" + indexFile}
	if _, err := run(path, entries.String(), index, "update-index", "--add", "--index-info"); err != nil {
		return "", err
	}
	tree, err := run(path, "", index, "write-tree")
	if err != nil {
		return "", err
	}
	commit, err := Run(path, "commit-tree", "-m", "initial", tree)
	if err != nil {
		return "", err
	}
	if _, err := Run(path, "update-ref", "refs/heads/"+DefaultBranch, commit); err != nil {
		return "", err
	}
	return commit, nil
}
