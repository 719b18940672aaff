package registryevent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const testSecret = "s3cret-registry-token"

type recorder struct {
	calls    [][]Event
	err      error
	observed []string
}

func (r *recorder) dispatch(_ context.Context, evs []Event) error {
	if r.err != nil {
		return r.err
	}
	r.calls = append(r.calls, evs)
	return nil
}

func newTestHandler(t *testing.T, rec *recorder, opts ...Option) *Handler {
	t.Helper()
	opts = append([]Option{
		WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		WithObserver(func(format, outcome string, events, dups int) {
			rec.observed = append(rec.observed, fmt.Sprintf("%s/%s/%d/%d", format, outcome, events, dups))
		}),
	}, opts...)
	h, err := NewHandler([]byte(testSecret), rec.dispatch, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func post(h http.Handler, target, contentType, auth string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(string(body)))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// TestHandler: one notification each, on a fresh handler: the status, the body's
// reason, what the observer saw and whether anything was dispatched.
func TestHandler(t *testing.T) {
	bearer := "Bearer " + testSecret
	for _, tc := range []struct {
		name                   string
		target, ct, auth, body string
		file                   string // a testdata payload instead of body
		dispatchErr            error
		maxBody                int64
		status                 int
		reason, observed       string
		dispatched             int
	}{
		{name: "distribution with a bearer token", file: "distribution-push", ct: EnvelopeMediaType, auth: bearer,
			status: 202, reason: "accepted 1 event", observed: "distribution/accepted/1/0", dispatched: 1},
		{name: "bearer is case-insensitive", file: "distribution-push", ct: EnvelopeMediaType, auth: "bearer " + testSecret,
			status: 202, observed: "distribution/accepted/1/0", dispatched: 1},
		{name: "harbor's auth header as typed", file: "harbor-push", ct: "application/json", auth: testSecret,
			status: 202, observed: "harbor/accepted/1/0", dispatched: 1},
		{name: "docker hub's token in the URL", target: "/hooks/registry?token=" + testSecret, file: "dockerhub", ct: "application/json",
			status: 202, observed: "dockerhub/accepted/1/0", dispatched: 1},
		{name: "quay's token in the URL, format explicit", target: "/hooks/registry?format=quay&token=" + testSecret, file: "quay",
			status: 202, observed: "quay/accepted/1/0", dispatched: 1},
		{name: "a token in the URL is not enough for distribution", target: "/hooks/registry?token=" + testSecret, file: "distribution-push",
			ct: EnvelopeMediaType, status: 401, reason: "missing or wrong registry webhook secret", observed: "unknown/unauthorized/0/0"},
		{name: "no secret", file: "distribution-push", ct: EnvelopeMediaType, status: 401, observed: "unknown/unauthorized/0/0"},
		{name: "a wrong secret", file: "harbor-push", auth: "Bearer " + testSecret + "x", status: 401, observed: "unknown/unauthorized/0/0"},
		{name: "a prefix of the secret", file: "harbor-push", auth: testSecret[:5], status: 401, observed: "unknown/unauthorized/0/0"},
		{name: "an empty bearer", file: "harbor-push", auth: "Bearer ", status: 401, observed: "unknown/unauthorized/0/0"},
		{name: "unauthenticated garbage is 401, not 400", body: "{", status: 401, observed: "unknown/unauthorized/0/0"},
		{name: "too large", file: "dockerhub", auth: bearer, maxBody: 64, status: 413, reason: "body larger than 64 bytes", observed: "unknown/too_large/0/0"},
		{name: "unknown format", body: `{"hello":"world"}`, ct: "application/json", auth: bearer, status: 400,
			reason: "unknown notification format: the body has none of the keys", observed: "unknown/bad_request/0/0"},
		{name: "unknown explicit format", target: "/hooks/registry?format=ecr", file: "quay", auth: bearer, status: 400,
			reason: `unknown notification format "ecr" in ?format=`, observed: "unknown/bad_request/0/0"},
		{name: "bad JSON in an envelope", body: `{"events":[`, ct: EnvelopeMediaType, auth: bearer, status: 400,
			reason: "distribution notification: bad JSON", observed: "distribution/bad_request/0/0"},
		{name: "a bad field", body: `{"type":"PUSH_ARTIFACT","event_data":{"resources":[{}]}}`, auth: bearer, status: 400,
			reason: "harbor notification: event_data.resources[0]: no resource_url", observed: "harbor/bad_request/0/0"},
		{name: "nothing pushed by tag", file: "distribution-delete", ct: EnvelopeMediaType, auth: bearer, status: 200,
			reason: "no image pushed by tag", observed: "distribution/ignored/0/0"},
		{name: "a harbor pull", file: "harbor-pull", auth: bearer, status: 200, observed: "harbor/ignored/0/0"},
		{name: "busy", file: "quay", auth: bearer, dispatchErr: fmt.Errorf("queue: %w", ErrBusy), status: 503,
			reason: "cannot take the events now", observed: "quay/busy/1/0"},
		{name: "dispatch fails", file: "quay", auth: bearer, dispatchErr: errors.New("boom"), status: 500,
			reason: "events not taken: boom", observed: "quay/error/1/0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{err: tc.dispatchErr}
			var opts []Option
			if tc.maxBody > 0 {
				opts = append(opts, WithMaxBody(tc.maxBody))
			}
			h := newTestHandler(t, rec, opts...)
			body := []byte(tc.body)
			if tc.file != "" {
				body = payload(t, tc.file)
			}
			target := tc.target
			if target == "" {
				target = "/hooks/registry"
			}
			w := post(h, target, tc.ct, tc.auth, body)
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.reason) {
				t.Fatalf("%d %q, want %d with %q", w.Code, w.Body.String(), tc.status, tc.reason)
			}
			if got := strings.Join(rec.observed, ","); got != tc.observed {
				t.Fatalf("observed %s, want %s", got, tc.observed)
			}
			if len(rec.calls) != tc.dispatched {
				t.Fatalf("%d dispatches, want %d", len(rec.calls), tc.dispatched)
			}
			if strings.Contains(w.Body.String(), testSecret) {
				t.Fatal("the answer carries the secret")
			}
		})
	}
}

// TestHandlerReplays: a notification sent again is taken once; one refused as busy
// is taken when it comes again; events without an ID are never held back.
func TestHandlerReplays(t *testing.T) {
	rec := &recorder{}
	h := newTestHandler(t, rec)
	bearer := "Bearer " + testSecret
	envelope := payload(t, "distribution-push")
	steps := []struct {
		name     string
		body     []byte
		busy     bool
		status   int
		observed string
	}{
		{"first", envelope, false, 202, "distribution/accepted/1/0"},
		{"replay", envelope, false, 200, "distribution/duplicate/0/1"},
		{"harbor, busy", payload(t, "harbor-push"), true, 503, "harbor/busy/1/0"},
		{"harbor again", payload(t, "harbor-push"), false, 202, "harbor/accepted/1/0"},
		{"harbor replayed", payload(t, "harbor-push"), false, 200, "harbor/duplicate/0/1"},
		{"quay has no ids", payload(t, "quay"), false, 202, "quay/accepted/1/0"},
		{"quay again", payload(t, "quay"), false, 202, "quay/accepted/1/0"},
	}
	for _, st := range steps {
		rec.err = nil
		if st.busy {
			rec.err = ErrBusy
		}
		rec.observed = nil
		w := post(h, "/hooks/registry", "application/json", bearer, st.body)
		if w.Code != st.status || strings.Join(rec.observed, ",") != st.observed {
			t.Fatalf("%s: %d %q observed %v, want %d %s", st.name, w.Code, w.Body.String(), rec.observed, st.status, st.observed)
		}
	}
	if len(rec.calls) != 4 {
		t.Fatalf("%d dispatches, want 4: %v", len(rec.calls), rec.calls)
	}
	// Partly new: two manifest pushes, one already taken.
	rec.observed = nil
	both := fmt.Sprintf(`{"events":[%s,%s]}`,
		`{"id":"320678d8-ca14-430f-8bb6-4ca139cd83f7","action":"push","target":{"repository":"shop/web","tag":"1.2.0"},"request":{"host":"registry.example.com:5000"}}`,
		`{"id":"new-one","action":"push","target":{"repository":"shop/web","tag":"1.3.0"},"request":{"host":"registry.example.com:5000"}}`)
	w := post(h, "/hooks/registry", EnvelopeMediaType, bearer, []byte(both))
	if w.Code != 202 || strings.Join(rec.observed, ",") != "distribution/accepted/1/1" {
		t.Fatalf("partly new: %d %q observed %v", w.Code, w.Body.String(), rec.observed)
	}
	last := rec.calls[len(rec.calls)-1]
	if len(last) != 1 || last[0].Tag != "1.3.0" {
		t.Fatalf("dispatched %+v, want only 1.3.0", last)
	}
}

func TestHandlerRefusesWithoutSecret(t *testing.T) {
	if _, err := NewHandler(nil, func(context.Context, []Event) error { return nil }); err == nil {
		t.Fatal("a handler without a secret was made")
	}
	rec := &recorder{}
	h := newTestHandler(t, rec)
	req := httptest.NewRequest(http.MethodGet, "/hooks/registry", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "POST" {
		t.Fatalf("GET: %d", w.Code)
	}
}

// countingBody is a request body that counts the bytes read from it.
type countingBody struct {
	r    io.Reader
	read int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += int64(n)
	return n, err
}

// TestHandlerRefusesBeforeReading: a notification without the secret is refused
// before a byte of its body is read, and one whose Content-Length is over the limit
// too; a token in the URL is read as far as the format needs, then refused for
// formats that cannot send it that way.
func TestHandlerRefusesBeforeReading(t *testing.T) {
	const limit = 4096
	big := strings.Repeat("x", 10*limit)
	quay := string(payload(t, "quay"))
	envelope := string(payload(t, "distribution-push"))
	for _, tc := range []struct {
		name, target, auth, body string
		contentLength            int64 // -1: unknown (chunked)
		code                     int
		maxRead                  int64
		observed                 string
	}{
		{"no secret", "/hooks/registry", "", big, 0, 401, 0, "unknown/unauthorized/0/0"},
		{"a wrong bearer", "/hooks/registry", "Bearer nope", big, 0, 401, 0, "unknown/unauthorized/0/0"},
		{"a wrong token", "/hooks/registry?format=quay&token=nope", "", big, 0, 401, 0, "unknown/unauthorized/0/0"},
		{"a made-up format, no secret", "/hooks/registry?format=" + strings.Repeat("f", 300), "", big, 0, 401, 0, "unknown/unauthorized/0/0"},
		{"Content-Length over the limit", "/hooks/registry", "Bearer " + testSecret, big, 0, 413, 0, "unknown/too_large/0/0"},
		{"chunked body over the limit", "/hooks/registry", "Bearer " + testSecret, big, -1, 413, limit + 4096, "unknown/too_large/0/0"},
		{"a token for a distribution envelope", "/hooks/registry?token=" + testSecret, "", envelope, 0, 401, int64(len(envelope)), "unknown/unauthorized/0/0"},
		{"a token with ?format=distribution", "/hooks/registry?format=distribution&token=" + testSecret, "", envelope, 0, 401, 0, "unknown/unauthorized/0/0"},
		{"a token for quay", "/hooks/registry?format=quay&token=" + testSecret, "", quay, 0, 202, int64(len(quay)), "quay/accepted/1/0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			h := newTestHandler(t, rec, WithMaxBody(limit))
			b := &countingBody{r: strings.NewReader(tc.body)}
			req := httptest.NewRequest(http.MethodPost, tc.target, b)
			req.ContentLength = int64(len(tc.body))
			if tc.contentLength != 0 {
				req.ContentLength = tc.contentLength
			}
			req.Header.Set("Content-Type", "application/json")
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tc.code {
				t.Errorf("status %d (%s), want %d", w.Code, strings.TrimSpace(w.Body.String()), tc.code)
			}
			if b.read > tc.maxRead {
				t.Errorf("%d bytes of the body read, want at most %d", b.read, tc.maxRead)
			}
			if got := strings.Join(rec.observed, ","); got != tc.observed {
				t.Errorf("observed %s, want %s", got, tc.observed)
			}
			if want := map[bool]int{true: 1}[tc.code == 202]; len(rec.calls) != want {
				t.Errorf("%d dispatched, want %d", len(rec.calls), want)
			}
		})
	}
}
