package bot

import (
	"errors"
	"fmt"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
)

// DefaultMaxCloneBytes is what one clone may take on disk, its fetch and its files
// together, by default (--max-clone-bytes): far more than a repository of manifests
// needs at one commit, and sized so that the default 4 workers, each with a pull
// request's head and base, fit deploy/bot's 2 GiB scratch volume.
const DefaultMaxCloneBytes = 256 << 20

// DefaultGitCacheBytes is the git cache's disk budget by default (--git-cache-size):
// the repositories it keeps, least recently used removed past it.
const DefaultGitCacheBytes = 4 << 30

// cloneError adds to a clone over the limit which flag sets it.
func cloneError(err error) error {
	if errors.Is(err, gitrepo.ErrTooLarge) {
		return fmt.Errorf("%w (the bot's --max-clone-bytes)", err)
	}
	return err
}
