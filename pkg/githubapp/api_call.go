package githubapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// callAPI runs one GitHub call with the default retries (transient failures, rate
// limits) and explains its failure, naming what was being done.
func callAPI(ctx context.Context, what string, hints map[int]string, call func(context.Context) error) error {
	p := retryPolicy{attempts: defaultAttempts, backoff: defaultBackoff, log: slog.Default()}
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

// StatusCode is the HTTP status of a GitHub error (0 when err is not one).
func StatusCode(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode
	}
	return 0
}
