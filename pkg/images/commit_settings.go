package images

import (
	"errors"
	"fmt"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
)

// CommitSettings say whether and how changed manifests are committed and pushed
// (AddCommitFlags registers them).
type CommitSettings struct {
	Commit        bool
	Push          bool
	Branch        string
	User, Email   string
	CISkip        bool
	CISkipMessage string
	Message       string
}

// Complete applies implications: --push commits, a skip message skips CI.
func (c *CommitSettings) Complete() {
	if c.Push {
		c.Commit = true
	}
	if c.CISkipMessage != "" {
		c.CISkip = true
	}
}

// Validate refuses a URL source that would be changed in a temporary clone only.
func (c *CommitSettings) Validate(src *source.Options, dryRun bool) error {
	if src.IsURL() && !c.Push && !dryRun {
		return fmt.Errorf("source %s is a git URL: its clone is temporary, so pass --push (or --dry-run)", src.Source)
	}
	if dryRun && c.Commit {
		return errors.New("--dry-run writes nothing: drop --commit/--push")
	}
	return nil
}

// CheckOpened refuses, before anything is read or written, changes that would be lost
// in a temporary clone (a git URL, or a --ref the work tree is not at) without --push,
// and a commit to a directory outside git.
func (c *CommitSettings) CheckOpened(s *source.Source, dryRun bool) error {
	switch {
	case dryRun:
		return nil
	case s.Clone && !c.Push:
		return fmt.Errorf("source %s is read from a temporary clone (a git URL, or a --ref the work tree is not at): pass --push (or --dry-run)", s.URL)
	case c.Commit && s.Repo == nil:
		return fmt.Errorf("--commit: source %s is not in a git repository", s.URL)
	}
	return nil
}
