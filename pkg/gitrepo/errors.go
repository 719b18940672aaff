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
