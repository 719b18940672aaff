package githubapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/migueleliasweb/go-github-mock/src/mock"
)

// reply is one canned answer of the mocked statuses endpoint.
type reply struct {
	code   int
	header map[string]string
	body   string // "%s" in it is replaced by the request's Authorization header
}

// statusMock serves POST /repos/{owner}/{repo}/statuses/{sha} with go-github-mock,
// answering with replies in order (the last one repeats) and recording each request.
type statusMock struct {
	mu       sync.Mutex
	replies  []reply
	requests []map[string]any
	paths    []string
}

func (m *statusMock) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var body map[string]any
	data, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(data, &body)
	m.requests = append(m.requests, body)
	m.paths = append(m.paths, r.URL.Path)

	rep := reply{code: http.StatusCreated, body: `{"id":1,"state":"pending"}`}
	if n := len(m.requests); len(m.replies) > 0 {
		rep = m.replies[min(n, len(m.replies))-1]
	}
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.code)
	body2 := rep.body
	if strings.Contains(body2, "%s") {
		body2 = fmt.Sprintf(body2, r.Header.Get("Authorization"))
	}
	_, _ = io.WriteString(w, body2)
}

func (m *statusMock) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.requests)
}

// newMockedClient returns a client authenticated with testToken talking to m.
func newMockedClient(t *testing.T, m *statusMock) *github.Client {
	t.Helper()
	hc, srv := mock.NewMockedHTTPClientAndServer(
		mock.WithRequestMatchHandler(mock.PostReposStatusesByOwnerByRepoBySha, m),
	)
	t.Cleanup(srv.Close)
	c, err := NewClient(hc, testToken, "")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var quiet = slog.New(slog.DiscardHandler)

func TestStatusReporterStates(t *testing.T) {
	tests := []struct {
		name      string
		context   string
		opts      []StatusOption
		post      func(*StatusReporter, context.Context, string) error
		desc      string
		wantState string
		wantCtx   string
		wantURL   any
	}{
		{name: "pending", post: (*StatusReporter).Pending, desc: "applying", wantState: "pending", wantCtx: "gitops/apply"},
		{name: "success", post: (*StatusReporter).Success, desc: DescribeCounts(2, 1, 0, 5, 0), wantState: "success", wantCtx: "gitops/apply"},
		{name: "failure", post: (*StatusReporter).Failure, desc: DescribeCounts(0, 0, 0, 5, 1), wantState: "failure", wantCtx: "gitops/apply"},
		{name: "error", post: (*StatusReporter).Error, desc: "cluster unreachable", wantState: "error", wantCtx: "gitops/apply"},
		{name: "plan context with run link", context: PlanStatusContext,
			opts: []StatusOption{WithTargetURL("https://github.com/o/r/actions/runs/42")},
			post: (*StatusReporter).Success, desc: "no changes", wantState: "success", wantCtx: "gitops/plan",
			wantURL: "https://github.com/o/r/actions/runs/42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &statusMock{}
			opts := append([]StatusOption{WithStatusLogger(quiet)}, tt.opts...)
			r := NewStatusReporter(newMockedClient(t, m), testTarget, tt.context, opts...)
			if err := tt.post(r, context.Background(), tt.desc); err != nil {
				t.Fatal(err)
			}
			if m.count() != 1 {
				t.Fatalf("%d requests, want 1", m.count())
			}
			if want := "/repos/o/r/statuses/" + testSHA; m.paths[0] != want {
				t.Errorf("path = %s, want %s", m.paths[0], want)
			}
			got := m.requests[0]
			if got["state"] != tt.wantState || got["context"] != tt.wantCtx || got["description"] != tt.desc {
				t.Errorf("body = %v, want state %q, context %q, description %q", got, tt.wantState, tt.wantCtx, tt.desc)
			}
			if got["target_url"] != tt.wantURL {
				t.Errorf("target_url = %v, want %v", got["target_url"], tt.wantURL)
			}
		})
	}
}

func TestStatusReporterErrors(t *testing.T) {
	prefix := "post status gitops/apply for o/r@" + testSHA + ": "
	reset := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name         string
		replies      []reply
		wantAttempts int
		wantCode     int // 0: no *APIError expected
		wantErr      []string
	}{
		{
			name:         "401 bad credentials",
			replies:      []reply{{code: 401, body: `{"message":"Bad credentials, got %s"}`}},
			wantAttempts: 1, wantCode: 401,
			wantErr: []string{prefix + "GitHub answered 401 Unauthorized: Bad credentials, got Bearer [REDACTED] (the token is missing, invalid or expired)"},
		},
		{
			name:         "403 missing permission",
			replies:      []reply{{code: 403, body: `{"message":"Resource not accessible by integration"}`}},
			wantAttempts: 1, wantCode: 403,
			wantErr: []string{prefix + "GitHub answered 403 Forbidden: Resource not accessible by integration (the token may not write commit statuses to o/r", "statuses: write"},
		},
		{
			name: "403 rate limit",
			replies: []reply{{code: 403, body: `{"message":"API rate limit exceeded"}`, header: map[string]string{
				"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": fmt.Sprint(reset.Unix())}}},
			wantAttempts: 1, wantCode: 403,
			wantErr: []string{prefix + "GitHub answered 403 Forbidden: API rate limit exceeded (primary rate limit exceeded, resets at 2030-01-02T03:04:05Z)"},
		},
		{
			name:         "404 repository",
			replies:      []reply{{code: 404, body: `{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}`}},
			wantAttempts: 1, wantCode: 404,
			wantErr: []string{prefix + "GitHub answered 404 Not Found: Not Found (repository o/r not found, or the token cannot see it)"},
		},
		{
			name: "422 unknown commit",
			replies: []reply{{code: 422, body: `{"message":"Validation Failed","errors":[{"resource":"Status","code":"custom",` +
				`"field":"sha","message":"No commit found for SHA: ` + testSHA + `"}]}`}},
			wantAttempts: 1, wantCode: 422,
			wantErr: []string{prefix + "GitHub answered 422 Unprocessable Entity: Validation Failed: No commit found for SHA: " + testSHA +
				" (commit " + testSHA + " may not exist in o/r"},
		},
		{
			name:         "500 once, then created",
			replies:      []reply{{code: 500, body: `{"message":"oops %s"}`}, {code: 201, body: `{"id":1}`}},
			wantAttempts: 2,
		},
		{
			name:         "502 html twice, then created",
			replies:      []reply{{code: 502, body: `<html>bad gateway</html>`}, {code: 502, body: `<html>bad gateway</html>`}, {code: 201, body: `{"id":1}`}},
			wantAttempts: 3,
		},
		{
			name:         "503 persists: gives up after 3 attempts",
			replies:      []reply{{code: 503, body: `{"message":"Service Unavailable %s"}`}},
			wantAttempts: 3, wantCode: 503,
			wantErr: []string{prefix + "GitHub answered 503 Service Unavailable: Service Unavailable Bearer [REDACTED] (gave up after 3 attempts)"},
		},
		{
			name:         "501 is not retried",
			replies:      []reply{{code: 501, body: `{"message":"Not Implemented"}`}},
			wantAttempts: 1, wantCode: 501,
			wantErr: []string{prefix + "GitHub answered 501 Not Implemented: Not Implemented"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &statusMock{replies: tt.replies}
			r := NewStatusReporter(newMockedClient(t, m), testTarget, "",
				WithStatusRetry(3, time.Millisecond), WithStatusLogger(quiet))
			err := r.Success(context.Background(), "ok")
			if got := m.count(); got != tt.wantAttempts {
				t.Errorf("%d attempts, want %d", got, tt.wantAttempts)
			}
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error\n  %v\nwant it to contain\n  %s", err, want)
				}
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error shows the token: %v", err)
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.wantCode {
				t.Errorf("errors.As(*APIError) = %v, want status %d", apiErr, tt.wantCode)
			}
		})
	}
}

func TestStatusReporterRetryHonoursContext(t *testing.T) {
	m := &statusMock{replies: []reply{{code: 503, body: `{"message":"Service Unavailable"}`}}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Cancel exactly when the reporter announces its retry, i.e. before it waits an hour.
	log := slog.New(onLog{substr: "retrying", fn: cancel})
	r := NewStatusReporter(newMockedClient(t, m), testTarget, "", WithStatusRetry(3, time.Hour), WithStatusLogger(log))

	err := r.Pending(ctx, "applying")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
		t.Errorf("error = %v, want it to keep the 503 that caused the retry", err)
	}
	if want := "post status gitops/apply for o/r@" + testSHA + ": context canceled while waiting to retry: GitHub answered 503"; !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v, want it to contain %q", err, want)
	}
	if m.count() != 1 {
		t.Errorf("%d attempts, want 1", m.count())
	}
}

func TestStatusReporterRefusesBadTarget(t *testing.T) {
	tests := []struct {
		name    string
		target  StatusTarget
		wantErr string
	}{
		{"no repository", StatusTarget{SHA: testSHA}, "repository not set"},
		{"short sha", StatusTarget{Owner: "o", Repo: "r", SHA: "abc123"}, `post status gitops/apply for o/r@abc123: commit SHA "abc123": want the full 40`},
		{"path in repo", StatusTarget{Owner: "o", Repo: "../x", SHA: testSHA}, `invalid repository name "../x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &statusMock{}
			r := NewStatusReporter(newMockedClient(t, m), tt.target, "", WithStatusLogger(quiet))
			err := r.Failure(context.Background(), "x")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
			}
			if m.count() != 0 {
				t.Errorf("%d requests sent for a bad target, want 0", m.count())
			}
		})
	}
}

func TestStatusReporterNilClient(t *testing.T) {
	err := NewStatusReporter(nil, testTarget, "").Pending(context.Background(), "x")
	if err == nil || !strings.Contains(err.Error(), "no GitHub client") {
		t.Fatalf("error = %v, want no GitHub client", err)
	}
}
