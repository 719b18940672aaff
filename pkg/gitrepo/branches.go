package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// FetchBranches fetches the remote's branches whose names start with prefix (such as
// "gitops/image/") into the clone's remote-tracking refs, so their commits can be
// compared (see CommitInfo), and returns their tips by branch name. A remote without
// such branches gives an empty map.
func (r *Repo) FetchBranches(ctx context.Context, prefix string) (map[string]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rt, err := r.pushRemote()
	if err != nil {
		return nil, err
	}
	src := plumbing.NewBranchReferenceName(prefix).String()
	dst := plumbing.NewRemoteReferenceName(r.remote, prefix).String()
	if !strings.HasSuffix(prefix, "/") && prefix != "" {
		return nil, fmt.Errorf("fetch branches of %s: prefix %q must end with a slash", rt.url, prefix)
	}
	spec := config.RefSpec(fmt.Sprintf("+%s*:%s*", src, dst))
	err = r.fetchContext(ctx, &git.FetchOptions{
		RemoteName: r.remote, RefSpecs: []config.RefSpec{spec}, Auth: rt.auth, Tags: git.NoTags, Force: true,
	})
	var noMatch git.NoMatchingRefSpecError
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) && !errors.As(err, &noMatch) {
		return nil, rt.red.err(fmt.Errorf("fetch branches %s* from %s: %w", prefix, rt.url, transportError(err, rt.creds)))
	}
	// Tracking refs of branches deleted on the remote stay: keep only the live ones.
	refs, err := listRefs(ctx, r.rawURL, rt.auth)
	if err != nil {
		return nil, rt.red.err(fmt.Errorf("list branches of %s: %w", rt.url, transportError(err, rt.creds)))
	}
	live := map[string]bool{}
	for _, ref := range refs {
		if ref.Name().IsBranch() && strings.HasPrefix(ref.Name().Short(), prefix) {
			live[ref.Name().Short()] = true
		}
	}
	out := map[string]string{}
	iter, err := r.repo.References()
	if err != nil {
		return nil, fmt.Errorf("read refs of %s: %w", r.dir, err)
	}
	err = iter.ForEach(func(ref *plumbing.Reference) error {
		if !strings.HasPrefix(ref.Name().String(), dst) || ref.Type() != plumbing.HashReference {
			return nil
		}
		branch := prefix + strings.TrimPrefix(ref.Name().String(), dst)
		if live[branch] {
			out[branch] = ref.Hash().String()
		}
		return nil
	})
	if err != nil && !errors.Is(err, storer.ErrStop) {
		return nil, err
	}
	return out, nil
}
