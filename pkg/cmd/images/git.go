package images

import (
	"context"
	"errors"
	"fmt"

	git "github.com/go-git/go-git/v5"
	"github.com/spf13/cobra"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
)

// GitOptions say whether and how changed manifests are committed and pushed.
type GitOptions struct {
	Commit        bool
	Push          bool
	Branch        string
	User, Email   string
	CISkip        bool
	CISkipMessage string
	Message       string
}

// AddFlags registers the git flags (names as Flux v1's daemon where it had them).
func (o *GitOptions) AddFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.BoolVar(&o.Commit, "commit", o.Commit, "Commit the changed files to the git repository holding the source")
	fs.BoolVar(&o.Push, "push", o.Push, "Commit and push the commit (needed when the source is a git URL)")
	fs.StringVar(&o.Branch, "git-branch", o.Branch, "Branch to push to (default: the branch checked out or cloned)")
	fs.StringVar(&o.User, "git-user", o.User, "Commit author name (default: git config user.name)")
	fs.StringVar(&o.Email, "git-email", o.Email, "Commit author email (default: git config user.email)")
	fs.BoolVar(&o.CISkip, "git-ci-skip", o.CISkip, "Append the CI skip message to commit messages")
	fs.StringVar(&o.CISkipMessage, "git-ci-skip-message", o.CISkipMessage, "CI skip message (implies --git-ci-skip; default \""+gitrepo.DefaultCISkipMessage+"\")")
	fs.StringVarP(&o.Message, "message", "m", o.Message, "Commit message (default: a summary of the changes)")
}

// Complete applies implications: --push commits, a skip message skips CI.
func (o *GitOptions) Complete() {
	if o.Push {
		o.Commit = true
	}
	if o.CISkipMessage != "" {
		o.CISkip = true
	}
}

// Validate refuses a URL source that would be changed in a temporary clone only.
func (o *GitOptions) Validate(src *SourceOptions, dryRun bool) error {
	if src.IsURL() && !o.Push && !dryRun {
		return fmt.Errorf("source %s is a git URL: its clone is temporary, so pass --push (or --dry-run)", src.Source)
	}
	if dryRun && o.Commit {
		return errors.New("--dry-run writes nothing: drop --commit/--push")
	}
	return nil
}

// CheckOpened refuses, before anything is read or written, changes that would be lost
// in a temporary clone (a git URL, or a --ref the work tree is not at) without --push,
// and a commit to a directory outside git.
func (o *GitOptions) CheckOpened(s *source.Source, dryRun bool) error {
	switch {
	case dryRun:
		return nil
	case s.Clone && !o.Push:
		return fmt.Errorf("source %s is read from a temporary clone (a git URL, or a --ref the work tree is not at): pass --push (or --dry-run)", s.URL)
	case o.Commit && s.Repo == nil:
		return fmt.Errorf("--commit: source %s is not in a git repository", s.URL)
	}
	return nil
}

// Finish commits the written files (absolute paths) and pushes when asked. It returns
// the commit sha and the branch pushed to ("" when not pushed).
func (o *GitOptions) Finish(ctx context.Context, src *source.Source, written []string, msg string) (string, string, error) {
	if !o.Commit || len(written) == 0 {
		return "", "", nil
	}
	if src.Repo == nil {
		return "", "", errors.New("internal error: no git repository opened to commit to")
	}
	if o.Message != "" {
		msg = o.Message
	}
	sha, err := src.Repo.Commit(msg, gitrepo.CommitOptions{
		Paths: written, Author: o.User, Email: o.Email, CISkip: o.CISkip, CISkipMessage: o.CISkipMessage,
	})
	if err != nil {
		return "", "", err
	}
	if !o.Push {
		return sha, "", nil
	}
	branch := o.Branch
	if branch == "" {
		branch = src.Repo.Branch()
	}
	if branch == "" {
		branch = currentBranch(src.Repo.Dir())
	}
	if branch == "" {
		return sha, "", fmt.Errorf("committed %s but cannot tell which branch to push to (detached HEAD): pass --git-branch", sha)
	}
	if err := src.Repo.Push(ctx, branch); err != nil {
		return sha, "", fmt.Errorf("committed %s but push failed: %w", sha, err)
	}
	return sha, branch, nil
}

// currentBranch is the branch checked out in the work tree at dir ("" when detached).
func currentBranch(dir string) string {
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		return ""
	}
	head, err := repo.Head()
	if err != nil || !head.Name().IsBranch() {
		return ""
	}
	return head.Name().Short()
}
