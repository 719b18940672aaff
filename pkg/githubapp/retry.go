package githubapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// Defaults for retrying a call that failed transiently: 3 attempts in all,
// waiting 1s then 2s in between; a rate limit is waited out when it resets within
// 2 minutes.
const (
	defaultAttempts     = 3
	defaultBackoff      = time.Second
	defaultMaxRateWait  = 2 * time.Minute
	secondaryLimitPause = time.Minute // GitHub's advice when no Retry-After is given
)

// retryPolicy retries transient failures with exponential backoff, and waits out
// rate limits (primary: until X-RateLimit-Reset; secondary or 429: Retry-After).
type retryPolicy struct {
	attempts int           // total attempts, at least 1
	backoff  time.Duration // wait before the first retry; doubled each time
	maxWait  time.Duration // the longest rate-limit wait worth it (0: defaultMaxRateWait)
	log      *slog.Logger
}

// do runs call until it succeeds, fails for good, the attempts are used up, or
// ctx ends while waiting (then ctx's error is returned, wrapping the last failure too).
func (p retryPolicy) do(ctx context.Context, what string, call func(context.Context) error) error {
	wait := p.backoff
	for attempt := 1; ; attempt++ {
		err := call(ctx)
		if err == nil {
			return nil
		}
		pause, ok := p.waitFor(ctx, err, wait)
		if !ok {
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
				"attempt", attempt, "attempts", p.attempts, "wait", pause, "error", err)
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w while waiting to retry: %w", ctx.Err(), err)
		case <-t.C:
		}
		wait *= 2
	}
}

// waitFor says how long to wait before calling again after err, and whether to:
// a rate limit is waited out until it resets (when that is within maxWait), a
// transient failure after the backoff.
func (p retryPolicy) waitFor(ctx context.Context, err error, backoff time.Duration) (time.Duration, bool) {
	if ctx.Err() != nil {
		return 0, false
	}
	limit := p.maxWait
	if limit <= 0 {
		limit = defaultMaxRateWait
	}
	if d, ok := rateLimitWait(err, time.Now()); ok {
		return d, d <= limit
	}
	return backoff, isTransient(ctx, err)
}

// rateLimitWait is how long GitHub asks to wait after err, when err is a rate limit:
// a primary one (403 or 429 with X-RateLimit-Remaining: 0) until X-RateLimit-Reset,
// a secondary one or any 429 for Retry-After (a minute when GitHub gives none).
func rateLimitWait(err error, now time.Time) (time.Duration, bool) {
	rate, abuse, resp := githubErrorOf(err)
	switch {
	case rate != nil:
		return max(rate.Rate.Reset.Time.Sub(now), 0) + time.Second, true
	case abuse != nil:
		if abuse.RetryAfter != nil {
			return max(*abuse.RetryAfter, 0), true
		}
		return secondaryLimitPause, true
	case resp != nil && resp.Response != nil:
		r := resp.Response
		if r.StatusCode != http.StatusTooManyRequests && r.StatusCode != http.StatusForbidden {
			return 0, false
		}
		if s := r.Header.Get("Retry-After"); s != "" {
			if secs, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && secs >= 0 {
				return time.Duration(secs) * time.Second, true
			}
		}
		if r.Header.Get("X-RateLimit-Remaining") == "0" {
			if reset, err := strconv.ParseInt(r.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
				return max(time.Unix(reset, 0).Sub(now), 0) + time.Second, true
			}
		}
		if r.StatusCode == http.StatusTooManyRequests {
			return secondaryLimitPause, true
		}
	}
	return 0, false
}

// isTransient reports whether err is worth another try: a 5xx answer other than
// 501, or a network failure (timeout, refused or reset connection) while ctx is
// still live. Other 4xx answers are not retried (rate limits: see rateLimitWait).
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
