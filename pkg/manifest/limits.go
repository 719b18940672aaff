package manifest

import (
	"errors"
	"fmt"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/repofile"
)

// ErrRenderLimit is wrapped by the error of a render that exceeds Limits.MaxObjects or
// Limits.MaxObjectsBytes.
var ErrRenderLimit = errors.New("the render exceeds a limit of one target")

// checkRender refuses a render of more objects, or more bytes of them, than l allows.
func (l Limits) checkRender(objects int, bytes int64) error {
	if l.MaxObjects >= 0 && objects > l.MaxObjects {
		return fmt.Errorf("%w: more than %d objects (the limit of objects rendered per target)", ErrRenderLimit, l.MaxObjects)
	}
	if l.MaxObjectsBytes >= 0 && bytes > l.MaxObjectsBytes {
		return fmt.Errorf("%w: more than %s of objects (the limit of bytes rendered per target)", ErrRenderLimit, repofile.Size(l.MaxObjectsBytes))
	}
	return nil
}
