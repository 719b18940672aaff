package githubapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// callAPI runs one GitHub call with the default retries (transient failures, rate
// limits) and explains its failure, naming what was being done. Every GitHub call
// of the project goes through it (or through retryPolicy.call, for a caller with its
// own retry settings, or paginate, for a listing).
func callAPI(ctx context.Context, what string, hints map[int]string, call func(context.Context) error) error {
	return defaultRetry().call(ctx, what, hints, call)
}

// defaultRetry is callAPI's retry policy: defaultAttempts, defaultBackoff, logged to
// slog.Default().
func defaultRetry() retryPolicy {
	return retryPolicy{attempts: defaultAttempts, backoff: defaultBackoff, log: slog.Default()}
}

// call runs one GitHub call under p: GitHub's error answers explained with hints
// (see explainError), and the final error prefixed with what.
func (p retryPolicy) call(ctx context.Context, what string, hints map[int]string, call func(context.Context) error) error {
	err := p.do(ctx, what, func(ctx context.Context) error { return explainError(call(ctx), hints) })
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// repoHints explains the answers GitHub gives a pull request or git call on repo.
func repoHints(owner, repo, permission string) map[int]string {
	full := owner + "/" + repo
	return map[int]string{
		http.StatusUnauthorized: "the token is missing, invalid or expired",
		http.StatusForbidden:    "the App may not do this in " + full + ": it needs the " + permission + " permission",
		http.StatusNotFound:     "repository " + full + " or the object not found, or the App cannot see it",
	}
}

// appHints explains the answers GitHub gives a call authenticated as the App itself
// (a JWT signed with its private key).
func appHints() map[int]string {
	return map[int]string{
		http.StatusUnauthorized: "the App id or private key is wrong, or the machine's clock is off (the JWT is time-bound)",
		http.StatusNotFound:     "no App with this id",
	}
}

// installationHints explains the answers GitHub gives a call about the
// installation's own resources, authenticated with its token.
func installationHints() map[int]string {
	return map[int]string{
		http.StatusUnauthorized: "the installation token is missing, invalid or expired (was the App uninstalled?)",
		http.StatusForbidden:    "the installation is suspended, or its token may not do this",
		http.StatusNotFound:     "the installation was not found: the App may have been uninstalled",
	}
}

// StatusCode is the HTTP status of a GitHub error (0 when err is not one).
func StatusCode(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode
	}
	return 0
}
