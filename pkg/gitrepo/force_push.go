package gitrepo

import "context"

// ForcePush pushes the checked-out commit to refs/heads/branch of the remote whatever
// the branch holds (a branch the caller owns and rebuilds, such as an image-bump
// branch). Pushing what the branch already holds is a no-op.
func (r *Repo) ForcePush(ctx context.Context, branch string) error {
	return r.pushBranch(ctx, branch, true)
}
