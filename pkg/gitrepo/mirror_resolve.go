package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
)

// ResolveRemote asks the remote url which object ref names now (`git ls-remote`): a
// branch, a tag, a full ref name, or "" for the default branch. A full commit sha is
// returned as it is, without asking. Nothing local is trusted: a branch force-pushed or
// deleted since is seen as it is now. The credentials are those of WithAuth.
func ResolveRemote(ctx context.Context, url, ref string, opts ...Option) (string, error) {
	if isFullSha(ref) {
		return strings.ToLower(ref), nil
	}
	o := makeOptions(opts)
	safe := RedactURL(url)
	red := newRedactor(url, o.auth)
	ep, err := transport.NewEndpoint(url)
	if err != nil {
		return "", red.err(fmt.Errorf("parse git URL %s: %w", safe, err))
	}
	auth, err := authFor(ep, o.auth)
	if err != nil {
		return "", fmt.Errorf("git remote %s: %w", safe, err)
	}
	refs, err := listRefs(ctx, url, auth)
	if errors.Is(err, transport.ErrEmptyRemoteRepository) {
		return "", fmt.Errorf("git remote %s is empty (no commits)", safe)
	}
	if err != nil {
		return "", red.err(fmt.Errorf("git remote %s: %w", safe, transportError(err, hasCreds(url, auth))))
	}
	fol, name, err := pickRef(refs, ref, safe)
	if err != nil {
		return "", err
	}
	if fol == followCommit { // an abbreviated sha: only a clone can tell
		return "", fmt.Errorf("git ref %q: give a full commit sha or a branch or tag: %w", ref, ErrRefNotFound)
	}
	for _, r := range refs {
		if r.Name() == name {
			return r.Hash().String(), nil
		}
	}
	return "", &refNotFoundError{ref: ref, url: safe}
}

// isFullSha reports whether s is a full hex commit id.
func isFullSha(s string) bool { return len(s) == 40 && isShaPrefix(s) }
