package githubapp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
)

func TestRateLimitWait(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	resp := func(code int, h map[string]string) *http.Response {
		r := &http.Response{StatusCode: code, Header: http.Header{}}
		for k, v := range h {
			r.Header.Set(k, v)
		}
		return r
	}
	thirty := 30 * time.Second
	tests := []struct {
		name string
		err  error
		want time.Duration
		ok   bool
	}{
		{"primary limit", &github.RateLimitError{Rate: github.Rate{Reset: github.Timestamp{Time: now.Add(time.Minute)}}}, time.Minute + time.Second, true},
		{"primary limit already reset", &github.RateLimitError{Rate: github.Rate{Reset: github.Timestamp{Time: now.Add(-time.Minute)}}}, time.Second, true},
		{"secondary limit with Retry-After", &github.AbuseRateLimitError{RetryAfter: &thirty}, thirty, true},
		{"secondary limit without Retry-After", &github.AbuseRateLimitError{}, time.Minute, true},
		{"429 with Retry-After", &github.ErrorResponse{Response: resp(429, map[string]string{"Retry-After": "7"})}, 7 * time.Second, true},
		{"429 without headers", &github.ErrorResponse{Response: resp(429, nil)}, time.Minute, true},
		{"429 primary", &github.ErrorResponse{Response: resp(429, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": fmt.Sprint(now.Add(10 * time.Second).Unix())})}, 11 * time.Second, true},
		{"403 permission", &github.ErrorResponse{Response: resp(403, nil)}, 0, false},
		{"404", &github.ErrorResponse{Response: resp(404, nil)}, 0, false},
		{"wrapped", fmt.Errorf("post: %w", &APIError{err: &github.AbuseRateLimitError{RetryAfter: &thirty}}), thirty, true},
		{"other", errors.New("boom"), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := rateLimitWait(tt.err, now)
			if got != tt.want || ok != tt.ok {
				t.Errorf("rateLimitWait = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestRetryWaitsOutRateLimits(t *testing.T) {
	p := retryPolicy{attempts: 3, backoff: time.Millisecond, maxWait: time.Second}
	zero := time.Duration(0)
	calls := 0
	err := p.do(context.Background(), "test", func(context.Context) error {
		calls++
		if calls == 1 {
			return &github.AbuseRateLimitError{RetryAfter: &zero}
		}
		return nil
	})
	if err != nil || calls != 2 {
		t.Fatalf("err %v after %d calls, want success after 2", err, calls)
	}

	// A limit that resets later than maxWait is not waited for.
	calls = 0
	long := time.Hour
	err = p.do(context.Background(), "test", func(context.Context) error {
		calls++
		return &github.AbuseRateLimitError{RetryAfter: &long}
	})
	if err == nil || calls != 1 {
		t.Fatalf("err %v after %d calls, want a failure after 1", err, calls)
	}
}
