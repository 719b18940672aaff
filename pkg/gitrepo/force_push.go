package gitrepo

import (
	"context"
	"fmt"

	"github.com/go-git/go-git/v5/config"
)

// ForcePush pushes the checked-out commit to refs/heads/branch of the remote whatever
// the branch holds (a branch the caller owns and rebuilds, such as an image-bump
// branch). Pushing what the branch already holds is a no-op.
func (r *Repo) ForcePush(ctx context.Context, branch string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	dst, rt, err := r.branchRemote(branch)
	if err != nil {
		return err
	}
	spec := config.RefSpec(fmt.Sprintf("+%s:%s", r.rev, dst))
	if err := r.push(ctx, rt, spec); err != nil {
		return rt.red.err(fmt.Errorf("force-push %s to branch %s of %s: %w", ShortSHA(r.rev.String(), 12), dst.Short(), rt.url, transportError(err, rt.creds)))
	}
	r.log.Info("force-pushed", "url", rt.url, "branch", dst.Short(), "revision", r.rev.String())
	return nil
}
