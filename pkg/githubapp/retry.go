package githubapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"time"

	"github.com/google/go-github/v60/github"
)

// Defaults for retrying a call that failed transiently: 3 attempts in all,
// waiting 1s then 2s in between.
const (
	defaultAttempts = 3
	defaultBackoff  = time.Second
)

// retryPolicy retries transient failures with exponential backoff.
type retryPolicy struct {
	attempts int           // total attempts, at least 1
	backoff  time.Duration // wait before the first retry; doubled each time
	log      *slog.Logger
}

// do runs call until it succeeds, fails for good, the attempts are used up, or
// ctx ends while waiting (then ctx's error is returned, wrapping the last failure too).
func (p retryPolicy) do(ctx context.Context, what string, call func(context.Context) error) error {
	wait := p.backoff
	for attempt := 1; ; attempt++ {
		err := call(ctx)
		if err == nil || !isTransient(ctx, err) {
			return err
		}
		if attempt >= p.attempts {
			if attempt > 1 {
				return fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
			}
			return err
		}
		if p.log != nil {
			p.log.WarnContext(ctx, "GitHub call failed, retrying", "call", what,
				"attempt", attempt, "attempts", p.attempts, "wait", wait, "error", err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w while waiting to retry: %w", ctx.Err(), err)
		case <-t.C:
		}
		wait *= 2
	}
}

// isTransient reports whether err is worth another try: a 5xx answer other than
// 501, or a network failure (timeout, refused or reset connection) while ctx is
// still live. 4xx answers and rate limits are not retried.
func isTransient(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var resp *github.ErrorResponse
	if errors.As(err, &resp) {
		code := statusOf(resp.Response)
		return code >= 500 && code != 501
	}
	var (
		urlErr *url.Error
		netErr net.Error
	)
	return errors.As(err, &urlErr) || errors.As(err, &netErr)
}
