package gitrepo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// DefaultCISkipMessage is appended to commit messages when CommitOptions.CISkip is set
// and no CISkipMessage is given.
const DefaultCISkipMessage = "[ci skip]"

// CommitOptions shape a commit made by Commit.
type CommitOptions struct {
	// Paths limits staging to these files or directories (relative to Dir, or absolute
	// inside it). Empty stages every change in the work tree: modified, new and deleted
	// files, minus those .gitignore ignores. Changes already staged are committed too.
	Paths []string
	// Author and Email default to the git config (user.name, user.email), then to
	// "kubectl-gitops" <kubectl-gitops@localhost>. They are also the committer.
	Author, Email string
	// CISkip appends CISkipMessage (default "[ci skip]") on its own line, after a
	// blank line, so CI systems skip the commit.
	CISkip        bool
	CISkipMessage string
}

// Commit stages the changes in the work tree (or only o.Paths), commits them on top
// of the checked-out commit and returns the new commit's sha. A clean work tree gives
// an error wrapping ErrNothingToCommit. The commit is local until Push.
func (r *Repo) Commit(msg string, o CommitOptions) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if strings.TrimSpace(msg) == "" {
		return "", fmt.Errorf("commit in %s: empty commit message", r.dir)
	}
	wt, err := r.repo.Worktree()
	if err != nil {
		return "", fmt.Errorf("open work tree %s: %w", r.dir, err)
	}
	if err := r.stage(wt, o.Paths); err != nil {
		return "", err
	}
	sig := r.signature(o)
	h, err := wt.Commit(commitMessage(msg, o), &git.CommitOptions{Author: sig, Committer: sig})
	if errors.Is(err, git.ErrEmptyCommit) {
		return "", fmt.Errorf("commit in %s: %w", r.dir, ErrNothingToCommit)
	}
	if err != nil {
		return "", fmt.Errorf("commit in %s: %w", r.dir, err)
	}
	r.log.Info("committed", "dir", r.dir, "revision", h.String(), "parent", r.rev.String())
	r.rev = h
	return h.String(), nil
}

// stage adds changes to the index: all of them, or those under paths.
func (r *Repo) stage(wt *git.Worktree, paths []string) error {
	if len(paths) == 0 {
		if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
			return fmt.Errorf("stage changes in %s: %w", r.dir, err)
		}
		return nil
	}
	rel := make([]string, 0, len(paths))
	for _, p := range paths {
		q, err := r.relPath(p)
		if err != nil {
			return err
		}
		rel = append(rel, q)
	}
	st, err := wt.Status()
	if err != nil {
		return fmt.Errorf("status of %s: %w", r.dir, err)
	}
	matched := make([]bool, len(rel))
	for name, fs := range st {
		in := false
		for i, p := range rel {
			if p == "." || name == p || strings.HasPrefix(name, p+"/") {
				matched[i], in = true, true
			}
		}
		if !in || fs.Worktree == git.Unmodified {
			continue
		}
		if err := wt.AddWithOptions(&git.AddOptions{Path: name, SkipStatus: true}); err != nil {
			return fmt.Errorf("stage %s in %s: %w", name, r.dir, err)
		}
	}
	for i, p := range rel {
		if matched[i] {
			continue
		}
		if _, err := os.Lstat(filepath.Join(r.dir, filepath.FromSlash(p))); err != nil {
			return fmt.Errorf("stage %s in %s: %w", paths[i], r.dir, err)
		}
	}
	return nil
}

// relPath turns p into a slash path relative to the work tree root.
func (r *Repo) relPath(p string) (string, error) {
	abs := p
	if !filepath.IsAbs(p) {
		abs = filepath.Join(r.dir, p)
	}
	rel, err := filepath.Rel(r.dir, filepath.Clean(abs))
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("stage %s: path is outside the work tree %s", p, r.dir)
	}
	return filepath.ToSlash(rel), nil
}

// signature is the author and committer of a new commit.
func (r *Repo) signature(o CommitOptions) *object.Signature {
	name, email := o.Author, o.Email
	if name == "" || email == "" {
		if cfg, err := r.repo.ConfigScoped(config.GlobalScope); err == nil {
			if name == "" {
				name = cfg.User.Name
			}
			if email == "" {
				email = cfg.User.Email
			}
		}
	}
	if name == "" {
		name = "kubectl-gitops"
	}
	if email == "" {
		email = "kubectl-gitops@localhost"
	}
	return &object.Signature{Name: name, Email: email, When: time.Now()}
}

// commitMessage ends msg with one newline, with the CI skip line when asked for.
func commitMessage(msg string, o CommitOptions) string {
	msg = strings.TrimRight(msg, " \t\r\n")
	if o.CISkip {
		skip := o.CISkipMessage
		if skip == "" {
			skip = DefaultCISkipMessage
		}
		if !strings.Contains(msg, skip) {
			msg += "\n\n" + skip
		}
	}
	return msg + "\n"
}
