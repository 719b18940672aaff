package images

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// HostStats counts the requests sent to one registry host.
type HostStats struct {
	Host      string `json:"host"`
	Requests  int64  `json:"requests"`  // requests the host answered
	Throttled int64  `json:"throttled"` // 429/503 answers that were retried
}

// limitedTransport sends requests to each host through that host's token bucket (shared
// by every repository on the host), pauses the whole host when it answers 429 or 503
// (for Retry-After, or an exponential backoff), and counts requests per host.
type limitedTransport struct {
	base       http.RoundTripper
	rps        rate.Limit
	burst      int
	maxRetries int
	maxWait    time.Duration
	backoff    time.Duration
	logger     *slog.Logger
	// plainHTTP, when not nil, lists the only hosts plain HTTP may reach
	// (WithPlainHTTPOnlyForInsecureHosts).
	plainHTTP map[string]bool

	mu    sync.Mutex
	hosts map[string]*hostState
}

type hostState struct {
	limiter   *rate.Limiter
	mu        sync.Mutex
	paused    time.Time
	requests  atomic.Int64
	throttled atomic.Int64
}

func (t *limitedTransport) host(h string) *hostState {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.hosts == nil {
		t.hosts = map[string]*hostState{}
	}
	hs, ok := t.hosts[h]
	if !ok {
		limit, burst := t.rps, t.burst
		if limit <= 0 {
			limit = rate.Inf
		}
		if burst < 1 {
			burst = 1
		}
		hs = &hostState{limiter: rate.NewLimiter(limit, burst)}
		t.hosts[h] = hs
	}
	return hs
}

// PlainHTTPError is a plain-HTTP request to a host not listed as insecure.
type PlainHTTPError struct{ Host string }

func (e *PlainHTTPError) Error() string {
	return fmt.Sprintf("plain HTTP to %s refused: only HTTPS, unless the operator lists the host (--registry-insecure-host %s)", e.Host, e.Host)
}

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if t.plainHTTP != nil && req.URL.Scheme == "http" && !t.plainHTTP[req.URL.Host] {
		// Every request passes here, redirects and token realms included: a registry
		// cannot downgrade to plain HTTP, nor go-containerregistry fall back to it.
		return nil, &PlainHTTPError{Host: req.URL.Host}
	}
	hs := t.host(req.URL.Host)
	for attempt := 0; ; attempt++ {
		if err := hs.waitPause(ctx); err != nil {
			return nil, err
		}
		if err := hs.limiter.Wait(ctx); err != nil {
			return nil, fmt.Errorf("rate limit for %s: %w", req.URL.Host, err)
		}
		resp, err := t.base.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		hs.requests.Add(1) // answered requests: a refused https probe is not counted
		if !retryableStatus(resp.StatusCode) || attempt >= t.maxRetries || (req.Body != nil && req.GetBody == nil) {
			return resp, nil
		}
		wait, fromHeader := retryAfter(resp.Header, time.Now())
		if !fromHeader {
			wait = t.backoff << attempt
			wait += time.Duration(rand.Int64N(int64(wait)/5 + 1)) // up to 20% jitter
		}
		if wait > t.maxWait {
			// Waiting longer than allowed: report the answer as it is.
			return resp, nil
		}
		hs.throttled.Add(1)
		hs.pause(time.Now().Add(wait))
		t.logger.Debug("registry asked to slow down", "host", req.URL.Host, "status", resp.StatusCode, "wait", wait, "attempt", attempt+1)
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req.Body = body
		}
	}
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryAfter reads a Retry-After header (seconds or an HTTP date).
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

func (hs *hostState) pause(until time.Time) {
	hs.mu.Lock()
	if until.After(hs.paused) {
		hs.paused = until
	}
	hs.mu.Unlock()
}

func (hs *hostState) waitPause(ctx context.Context) error {
	hs.mu.Lock()
	d := time.Until(hs.paused)
	hs.mu.Unlock()
	if d <= 0 {
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

func (t *limitedTransport) stats() []HostStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]HostStats, 0, len(t.hosts))
	for h, hs := range t.hosts {
		out = append(out, HostStats{Host: h, Requests: hs.requests.Load(), Throttled: hs.throttled.Load()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Host < out[j].Host })
	return out
}
