//go:build !linux

package gitrepo

import (
	"os"

	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// statOf is not known here: a work tree is never reused (Worktree.Reuse fails) on
// systems other than Linux, where no change time says a file was written.
func statOf(os.FileInfo) (index.Entry, uint64, bool) { return index.Entry{}, 0, false }
