package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// Push pushes the checked-out commit to refs/heads/branch of the remote (for a local
// work tree: its "origin"). The update must be a fast-forward; pushing what the branch
// already holds is a no-op.
func (r *Repo) Push(ctx context.Context, branch string) error {
	return r.pushBranch(ctx, branch, false)
}

// pushBranch pushes the checked-out commit to refs/heads/branch of the remote: with
// force whatever the branch holds (ForcePush), else as a fast-forward (Push).
func (r *Repo) pushBranch(ctx context.Context, branch string, force bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	dst, rt, err := r.branchRemote(branch)
	if err != nil {
		return err
	}
	verb, done, spec := "push", "pushed", config.RefSpec(fmt.Sprintf("%s:%s", r.rev, dst))
	if force {
		verb, done, spec = "force-push", "force-pushed", "+"+spec
	} else if err := r.fetchForPush(ctx, dst, rt); err != nil {
		return err
	}
	if err := r.push(ctx, rt, spec); err != nil {
		return rt.red.err(fmt.Errorf("%s %s to branch %s of %s: %w", verb, ShortSHA(r.rev.String(), 12), dst.Short(), rt.url, transportError(err, rt.creds)))
	}
	r.log.Info(done, "url", rt.url, "branch", dst.Short(), "revision", r.rev.String())
	return nil
}

// fetchForPush fetches the remote tip of branch dst, which the fast-forward check of a
// push needs locally; r.mu is held.
func (r *Repo) fetchForPush(ctx context.Context, dst plumbing.ReferenceName, rt remoteTarget) error {
	err := r.fetchContext(ctx, &git.FetchOptions{
		RemoteName: r.remote,
		RefSpecs:   []config.RefSpec{config.RefSpec(fmt.Sprintf("+%s:%s", dst, plumbing.NewRemoteReferenceName(r.remote, dst.Short())))},
		Auth:       rt.auth,
		Tags:       git.NoTags,
		Force:      true,
	})
	var noMatch git.NoMatchingRefSpecError
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) && !errors.As(err, &noMatch) {
		return rt.red.err(fmt.Errorf("fetch branch %s from %s before push: %w", dst.Short(), rt.url, transportError(err, rt.creds)))
	}
	return nil
}

// SetTag moves (or creates) the lightweight tag name to sha, forcing it, and pushes
// it: Flux v1's sync tag. sha may be abbreviated; "" means the checked-out commit.
func (r *Repo) SetTag(ctx context.Context, name, sha string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	tag := plumbing.NewTagReferenceName(name)
	if name == "" || tag.Validate() != nil {
		return fmt.Errorf("set tag in %s: invalid tag name %q", r.url, name)
	}
	target := r.rev
	if sha != "" {
		h, err := r.repo.ResolveRevision(plumbing.Revision(sha))
		if err != nil {
			return fmt.Errorf("set tag %s: %w", name, &refNotFoundError{ref: sha, url: r.url})
		}
		if target, err = peel(r.repo, *h); err != nil {
			return fmt.Errorf("set tag %s: %w", name, err)
		}
	}
	rt, err := r.pushRemote()
	if err != nil {
		return err
	}
	if err := r.repo.Storer.SetReference(plumbing.NewHashReference(tag, target)); err != nil {
		return fmt.Errorf("set tag %s to %s in %s: %w", name, ShortSHA(target.String(), 12), r.dir, err)
	}
	spec := config.RefSpec(fmt.Sprintf("+%s:%s", tag, tag))
	if err := r.push(ctx, rt, spec); err != nil {
		return rt.red.err(fmt.Errorf("push tag %s (%s) to %s: %w", name, ShortSHA(target.String(), 12), rt.url, transportError(err, rt.creds)))
	}
	r.log.Info("moved tag", "url", rt.url, "tag", name, "revision", target.String())
	return nil
}

func (r *Repo) push(ctx context.Context, rt remoteTarget, spec config.RefSpec) error {
	err := r.pushContext(ctx, &git.PushOptions{
		RemoteName: r.remote,
		RefSpecs:   []config.RefSpec{spec},
		Auth:       rt.auth,
	})
	if errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil
	}
	return err
}

// remoteTarget is where pushes go, with the credentials that suit it.
type remoteTarget struct {
	url   string // redacted
	auth  transport.AuthMethod
	creds bool
	red   redactor
}

// branchRemote checks a branch name to push to and returns its reference and the
// remote to push to; r.mu is held.
func (r *Repo) branchRemote(branch string) (plumbing.ReferenceName, remoteTarget, error) {
	dst := plumbing.NewBranchReferenceName(strings.TrimPrefix(branch, "refs/heads/"))
	if branch == "" || dst.Validate() != nil {
		return "", remoteTarget{}, fmt.Errorf("push to %s: invalid branch name %q", r.url, branch)
	}
	rt, err := r.pushRemote()
	return dst, rt, err
}

// pushRemote returns the clone's remote, or the origin of a local work tree.
func (r *Repo) pushRemote() (remoteTarget, error) {
	if r.follow != followHead {
		return remoteTarget{url: r.url, auth: r.auth, red: r.red, creds: hasCreds(r.rawURL, r.auth)}, nil
	}
	rem, err := r.repo.Remote(r.remote)
	if errors.Is(err, git.ErrRemoteNotFound) {
		return remoteTarget{}, fmt.Errorf("git work tree %s has no remote %q to push to", r.dir, r.remote)
	}
	if err != nil || len(rem.Config().URLs) == 0 {
		return remoteTarget{}, fmt.Errorf("git work tree %s: remote %q has no URL", r.dir, r.remote)
	}
	raw := rem.Config().URLs[0]
	t := remoteTarget{url: RedactURL(raw), red: newRedactor(raw, r.auth)}
	if ep, err := transport.NewEndpoint(raw); err == nil {
		if t.auth, err = authFor(ep, r.auth); err != nil {
			return remoteTarget{}, fmt.Errorf("push to %s: %w", t.url, err)
		}
	}
	t.creds = hasCreds(raw, t.auth)
	return t, nil
}
