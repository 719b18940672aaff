package bot

import (
	"errors"
	"fmt"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
)

// DefaultMaxCloneBytes is what one clone may fetch, and check out, by default
// (--max-clone-bytes): far more than any repository of manifests needs, far less
// than the bot's scratch volume.
const DefaultMaxCloneBytes = 512 << 20

// cloneError adds to a clone over the limit which flag sets it.
func cloneError(err error) error {
	if errors.Is(err, gitrepo.ErrTooLarge) {
		return fmt.Errorf("%w (the bot's --max-clone-bytes)", err)
	}
	return err
}
