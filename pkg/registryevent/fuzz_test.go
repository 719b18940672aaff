package registryevent

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzParse: whatever the body, Detect and Parse never panic, and every event they
// return names a valid repository and tag of the detected format.
func FuzzParse(f *testing.F) {
	for _, body := range payloads(f) {
		f.Add("", "application/json", body)
		for _, format := range Formats { // every parser, whatever the body's shape
			f.Add(format, "", body)
		}
	}
	f.Add("", EnvelopeMediaType, []byte(`{"events":[{"action":"push","target":{"repository":"a","tag":"b"},"request":{"host":"h:1"}}]}`))
	f.Add("quay", "application/json", []byte(`{"docker_url":"quay.io/a/b","updated_tags":{"x":1}}`))
	f.Add("harbor", "", []byte(`{"type":"PUSH_ARTIFACT","event_data":{"resources":[{"resource_url":"h/a:b"}]}}`))
	f.Fuzz(func(t *testing.T, explicit, contentType string, body []byte) {
		format, err := Detect(explicit, contentType, body)
		if err != nil {
			return
		}
		evs, err := Parse(format, body)
		if err != nil {
			return
		}
		for _, e := range evs {
			if e.Format != format || e.Tag == "" {
				t.Fatalf("event %+v of a %s notification", e, format)
			}
			if _, err := NewEvent(format, e.Repository, e.Tag, e.Digest, e.ID); err != nil {
				t.Fatalf("event %+v does not parse again: %v", e, err)
			}
		}
	})
}

// FuzzHandler: whatever the request (query, Authorization, Content-Type, body), the
// handler never panics, answers with one of its status codes, dispatches only for a
// request that carries the secret the way its format may, and tells its observer
// only known formats and outcomes.
func FuzzHandler(f *testing.F) {
	for name, body := range payloads(f) {
		f.Add("", "Bearer "+testSecret, "application/json", body)
		f.Add("token="+testSecret, "", "application/json", body)
		f.Add("format="+strings.SplitN(name, "-", 2)[0]+"&token="+testSecret, "", "", body)
		f.Add("", "wrong", EnvelopeMediaType, body)
	}
	f.Add("format=%zz", testSecret, "", []byte(`{}`))
	f.Add("", "", "", []byte{})
	known := map[string]bool{"unknown": true}
	for _, format := range Formats {
		known[format] = true
	}
	outcomes := map[string]bool{}
	for _, o := range []string{"accepted", "duplicate", "ignored", "busy", "error", "unauthorized", "too_large", "bad_request"} {
		outcomes[o] = true
	}
	f.Fuzz(func(t *testing.T, query, auth, contentType string, body []byte) {
		dispatched := 0
		var observed []string
		h, err := NewHandler([]byte(testSecret), func(_ context.Context, evs []Event) error {
			dispatched += len(evs)
			return nil
		}, WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), WithMaxBody(64<<10), WithIDMemory(1, 0),
			WithObserver(func(format, outcome string, _, _ int) { observed = append(observed, format, outcome) }))
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, "/hooks/registry", strings.NewReader(string(body)))
		req.URL.RawQuery = query
		req.Header["Authorization"] = []string{auth}
		req.Header["Content-Type"] = []string{contentType}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		q, _ := url.ParseQuery(query)
		byHeader := strings.TrimSpace(auth) == testSecret || len(auth) > 7 && strings.EqualFold(auth[:7], "bearer ") && strings.TrimSpace(auth[7:]) == testSecret
		byToken := q.Get("token") == testSecret
		switch w.Code {
		case http.StatusAccepted, http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			if !byHeader && !byToken {
				t.Fatalf("status %d without the secret", w.Code)
			}
		case http.StatusUnauthorized:
		default:
			t.Fatalf("status %d", w.Code)
		}
		if dispatched > 0 && (w.Code != http.StatusAccepted || !byHeader && !byToken) {
			t.Fatalf("%d events dispatched, status %d", dispatched, w.Code)
		}
		if len(observed) != 2 || !known[observed[0]] || !outcomes[observed[1]] {
			t.Fatalf("observed %q", observed)
		}
	})
}
