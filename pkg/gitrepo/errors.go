package gitrepo

import (
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing/transport"
)

var (
	// ErrRefNotFound is wrapped by errors about a branch, tag or commit that the
	// repository does not have. The error text names the ref and the URL.
	ErrRefNotFound = errors.New("git ref not found")

	// ErrNothingToCommit is returned by Commit when the work tree (or the given paths)
	// has no changes.
	ErrNothingToCommit = errors.New("nothing to commit")
)

// refNotFoundError reads `git ref "v9" not found in https://host/repo.git` and matches
// ErrRefNotFound with errors.Is.
type refNotFoundError struct {
	ref string
	url string // already redacted
}

func (e *refNotFoundError) Error() string {
	return fmt.Sprintf("git ref %q not found in %s", e.ref, e.url)
}

func (e *refNotFoundError) Unwrap() error { return ErrRefNotFound }

// transportError gives go-git's terse transport errors a hint of what to check.
// creds tells whether credentials were sent.
func transportError(err error, creds bool) error {
	switch {
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return fmt.Errorf("%w (or no read access)", transport.ErrRepositoryNotFound)
	case errors.Is(err, transport.ErrAuthenticationRequired) && creds:
		return fmt.Errorf("%w: the credentials were refused", transport.ErrAuthenticationRequired)
	case errors.Is(err, transport.ErrAuthenticationRequired):
		return fmt.Errorf("%w: give credentials (GIT_TOKEN, GITHUB_TOKEN or an SSH key)", transport.ErrAuthenticationRequired)
	case errors.Is(err, transport.ErrAuthorizationFailed):
		return fmt.Errorf("%w: access denied", transport.ErrAuthorizationFailed)
	}
	return err
}

// The errors of an ssh remote whose host key known_hosts does not vouch for (sshauth.go).
var (
	// ErrHostKeyUnknown is wrapped by the error of a connection refused because the
	// server's host key is not in known_hosts.
	ErrHostKeyUnknown = errors.New("SSH host key unknown")
	// ErrHostKeyChanged is wrapped by the error of a connection refused because the
	// server's host key differs from the one known_hosts pins for it (or is revoked).
	ErrHostKeyChanged = errors.New("SSH host key does not match known_hosts")
)
