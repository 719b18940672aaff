package gitrepo

import (
	"fmt"
	"log/slog"
	"os"
	"sync"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// follow says what Update tracks.
type follow int

const (
	followHead   follow = iota // local work tree: re-read HEAD
	followBranch               // a remote branch
	followTag                  // a remote tag (may be moved)
	followCommit               // a fixed commit: never changes
)

// Repo is an opened or cloned git repository checked out at one commit.
// Its methods are safe for concurrent use.
type Repo struct {
	mu sync.Mutex

	repo   *git.Repository
	dir    string // work tree root
	ref    string // as asked
	url    string // redacted: safe to print
	rawURL string // with credentials, for the transport only
	remote string // remote name used for fetch and push
	temp   bool   // dir is ours: Close removes it
	closed bool

	follow follow
	name   plumbing.ReferenceName // followed branch or tag
	rev    plumbing.Hash

	auth     transport.AuthMethod
	red      redactor
	log      *slog.Logger
	maxBytes int64 // WithMaxBytes
	// ownRemote: the remote is rawURL, not one of the repository's configuration
	// (Worktree.Repo).
	ownRemote bool
}

// Dir returns the root of the work tree.
func (r *Repo) Dir() string { return r.dir }

// Ref returns the ref Open was asked for ("" for the default branch or local HEAD).
func (r *Repo) Ref() string { return r.ref }

// URL returns the remote URL without credentials, or the local work tree path.
func (r *Repo) URL() string { return r.url }

// Revision returns the full sha of the checked-out commit.
func (r *Repo) Revision() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rev.String()
}

// Branch returns the branch being followed, or "" for a tag, a commit, or a local
// work tree.
func (r *Repo) Branch() string {
	if r.follow == followBranch {
		return r.name.Short()
	}
	return ""
}

// Dirty reports whether the work tree has uncommitted changes, untracked files
// included (files ignored by .gitignore are not changes).
func (r *Repo) Dirty() (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	wt, err := r.repo.Worktree()
	if err != nil {
		return false, fmt.Errorf("open work tree %s: %w", r.dir, err)
	}
	st, err := wt.Status()
	if err != nil {
		return false, fmt.Errorf("status of %s: %w", r.dir, err)
	}
	return !st.IsClean(), nil
}

// Close removes a temporary clone. It never removes a local work tree or a WithDir
// directory. Calling it again is a no-op.
func (r *Repo) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	if !r.temp {
		return nil
	}
	if err := os.RemoveAll(r.dir); err != nil {
		return fmt.Errorf("remove clone %s: %w", r.dir, err)
	}
	r.log.Debug("removed clone", "dir", r.dir)
	return nil
}

// head reads HEAD and peels it to a commit.
func (r *Repo) head() (plumbing.Hash, error) {
	ref, err := r.repo.Head()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return peel(r.repo, ref.Hash())
}
