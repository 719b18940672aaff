package gitrepotest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// Repo is a git work tree in a test's temporary directory, made and changed by the git
// CLI with this package's environment (fixed identity, no user configuration).
type Repo struct {
	// Dir is the work tree.
	Dir string
}

// NewRepo makes a repository on DefaultBranch in a new temporary directory of t, writes
// files (slash-separated path → content) and commits them as "initial".
func NewRepo(t testing.TB, files map[string]string) *Repo {
	t.Helper()
	dir := t.TempDir()
	(&Repo{Dir: dir}).Write(t, files)
	return Init(t, dir)
}

// Init makes the existing directory dir a repository on DefaultBranch and commits what
// it holds as "initial", for a test whose files are already written.
func Init(t testing.TB, dir string) *Repo {
	t.Helper()
	r := &Repo{Dir: dir}
	r.Git(t, "init", "-q", "-b", DefaultBranch)
	r.Commit(t, "initial", nil)
	return r
}

// Git runs git with args in the work tree and returns its trimmed output (see Git).
func (r *Repo) Git(t testing.TB, args ...string) string {
	t.Helper()
	return Git(t, r.Dir, args...)
}

// Write writes files (slash-separated path → content) into the work tree, making their
// directories; an empty content removes the file.
func (r *Repo) Write(t testing.TB, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(r.Dir, filepath.FromSlash(name))
		if body == "" {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Commit writes files as Write does, stages every change of the work tree and commits
// it on the current branch with msg (an empty commit if nothing changed). It returns
// the commit's sha.
func (r *Repo) Commit(t testing.TB, msg string, files map[string]string) string {
	t.Helper()
	r.Write(t, files)
	r.Git(t, "add", "-A")
	r.Git(t, "commit", "-q", "--allow-empty", "-m", msg)
	return r.Head(t)
}

// Head is the sha of the commit checked out.
func (r *Repo) Head(t testing.TB) string {
	t.Helper()
	return r.Git(t, "rev-parse", "HEAD")
}

// Bare makes a bare repository at path (a directory under the root that NewHTTPServer
// or NewSSHServer serves, root/NAME.git) holding the work tree's branches and tags, and
// makes it the work tree's origin, its branches tracking origin's as a clone's do.
// Pushes over HTTP are allowed. It returns path.
func (r *Repo) Bare(t testing.TB, path string) string {
	t.Helper()
	Git(t, r.Dir, "init", "-q", "--bare", "-b", DefaultBranch, path)
	Git(t, path, "config", "http.receivepack", "true")
	r.Git(t, "remote", "add", "origin", path)
	r.Git(t, "push", "-q", "-u", "origin", "--all")
	r.Git(t, "push", "-q", "origin", "--tags")
	r.Git(t, "remote", "set-head", "origin", "--auto")
	return path
}
