package webhook

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
)

var webhookSecret = []byte("s3cret-webhook")

func sign(secret, body []byte) string { return githubtest.Sign(secret, body) }

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestWebhookHandler(t *testing.T) {
	prBody := `{"action":"opened","number":3,"pull_request":{"number":3,"head":{"sha":"abc"}},"installation":{"id":42}}`
	type req struct {
		method, event, delivery, contentType, body, sig string
	}
	valid := func(event, delivery, body string) req {
		return req{http.MethodPost, event, delivery, "application/json", body, sign(webhookSecret, []byte(body))}
	}
	form := "payload=" + url.QueryEscape(prBody)
	tests := []struct {
		name       string
		reqs       []req
		busy       bool
		wantCodes  []int
		wantEvents int
	}{
		{"pull request accepted", []req{valid("pull_request", "d1", prBody)}, false, []int{202}, 1},
		{"replay dropped", []req{valid("pull_request", "d1", prBody), valid("pull_request", "d1", prBody)}, false, []int{202, 200}, 1},
		{"form-encoded body", []req{{http.MethodPost, "pull_request", "d2", "application/x-www-form-urlencoded", form, sign(webhookSecret, []byte(form))}}, false, []int{202}, 1},
		{"GET refused", []req{{http.MethodGet, "pull_request", "d3", "application/json", "", ""}}, false, []int{405}, 0},
		{"no signature", []req{{http.MethodPost, "pull_request", "d4", "application/json", prBody, ""}}, false, []int{401}, 0},
		{"sha1 signature only", []req{{http.MethodPost, "pull_request", "d4", "application/json", prBody, "sha1=0000"}}, false, []int{401}, 0},
		{"wrong secret", []req{{http.MethodPost, "pull_request", "d5", "application/json", prBody, sign([]byte("other"), []byte(prBody))}}, false, []int{401}, 0},
		{"body changed after signing", []req{{http.MethodPost, "pull_request", "d6", "application/json", prBody + " ", sign(webhookSecret, []byte(prBody))}}, false, []int{401}, 0},
		{"too large", []req{valid("pull_request", "d7", `{"x":"`+strings.Repeat("a", 2048)+`"}`)}, false, []int{413}, 0},
		{"no event header", []req{valid("", "d8", prBody)}, false, []int{400}, 0},
		{"malformed JSON", []req{valid("pull_request", "d9", `{"action":`)}, false, []int{400}, 0},
		{"unknown event acknowledged", []req{valid("made_up_event", "d10", `{}`)}, false, []int{200}, 0},
		{"event not handled acknowledged", []req{valid("star", "d11", `{"action":"created"}`)}, false, []int{200}, 0},
		{"busy: 503, then the redelivery is taken", []req{valid("pull_request", "d12", prBody), valid("pull_request", "d12", prBody)}, true, []int{503, 202}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Event
			busy := tt.busy
			h, err := NewHandler(webhookSecret, func(_ context.Context, ev Event) error {
				if busy {
					busy = false
					return ErrBusy
				}
				got = append(got, ev)
				return nil
			}, WithMaxBody(1024), WithEvents("pull_request", "ping"))
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range tt.reqs {
				hr := httptest.NewRequest(r.method, "/webhook", strings.NewReader(r.body))
				hr.Header.Set("Content-Type", r.contentType)
				if r.event != "" {
					hr.Header.Set("X-GitHub-Event", r.event)
				}
				hr.Header.Set("X-GitHub-Delivery", r.delivery)
				if r.sig != "" {
					hr.Header.Set("X-Hub-Signature-256", r.sig)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, hr)
				if w.Code != tt.wantCodes[i] {
					t.Errorf("request %d: status %d (%s), want %d", i, w.Code, strings.TrimSpace(w.Body.String()), tt.wantCodes[i])
				}
			}
			if len(got) != tt.wantEvents {
				t.Fatalf("%d events dispatched, want %d", len(got), tt.wantEvents)
			}
			for _, ev := range got {
				pr, ok := ev.Payload.(*PullRequestEvent)
				if !ok || pr.Number != 3 || pr.PullRequest.Head.SHA != "abc" || ev.Installation != 42 {
					t.Errorf("dispatched %+v", ev)
				}
			}
		})
	}
	if _, err := NewHandler(nil, nil); err == nil {
		t.Error("an empty secret was accepted")
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

// TestWebhookRefusesBeforeReading: requests refused for their headers are refused
// before a byte of their body is read; a body over the limit is not read past it; and
// the observer is told the event's name only for a verified delivery of an event the
// handler takes, "other" for anything else.
func TestWebhookRefusesBeforeReading(t *testing.T) {
	const limit = 1024
	body := `{"action":"opened","number":3,"pull_request":{"number":3,"head":{"sha":"abc"}},"installation":{"id":42}}`
	signed := sign(webhookSecret, []byte(body))
	big := strings.Repeat("x", 10*limit)
	for _, tc := range []struct {
		name, event, delivery, sig, body string
		contentLength                    int64 // -1: unknown (chunked)
		code                             int
		maxRead                          int64 // bytes the handler may read of the body
		observed                         string
	}{
		{"no signature", "pull_request", "d", "", big, 0, 401, 0, "other/unauthorized"},
		{"sha1 only", "pull_request", "d", "sha1=" + strings.Repeat("0", 40), big, 0, 401, 0, "other/unauthorized"},
		{"not hex", "pull_request", "d", "sha256=" + strings.Repeat("z", 64), big, 0, 401, 0, "other/unauthorized"},
		{"too short", "pull_request", "d", "sha256=" + strings.Repeat("0", 63), big, 0, 401, 0, "other/unauthorized"},
		{"too long", "pull_request", "d", "sha256=" + strings.Repeat("0", 65), big, 0, 401, 0, "other/unauthorized"},
		{"trailing garbage", "pull_request", "d", signed + " ", body, 0, 401, 0, "other/unauthorized"},
		{"long event name", strings.Repeat("e", 101), "d", signed, body, 0, 431, 0, "other/header_too_large"},
		{"long delivery", "pull_request", strings.Repeat("d", 101), signed, body, 0, 431, 0, "other/header_too_large"},
		{"Content-Length over the limit", "pull_request", "d", signed, big, 0, 413, 0, "other/too_large"},
		{"chunked body over the limit", "pull_request", "d", signed, big, -1, 413, limit + 4096, "other/too_large"},
		{"well-formed but wrong signature", "pull_request", "d", "sha256=" + strings.Repeat("0", 64), body, 0, 401, int64(len(body)), "other/unauthorized"},
		{"made-up event, signed", "made_up", "d", signed, body, 0, 200, int64(len(body)), "other/ignored"},
		{"upper-case hex", "pull_request", "d", "sha256=" + strings.ToUpper(strings.TrimPrefix(signed, "sha256=")), body, 0, 202, int64(len(body)), "pull_request/accepted"},
		{"signed", "pull_request", "d", signed, body, 0, 202, int64(len(body)), "pull_request/accepted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var observed []string
			dispatched := 0
			h, err := NewHandler(webhookSecret, func(context.Context, Event) error { dispatched++; return nil },
				WithMaxBody(limit), WithEvents("pull_request"), WithLogger(discardLogger()),
				WithObserver(func(event, outcome string) { observed = append(observed, event+"/"+outcome) }))
			if err != nil {
				t.Fatal(err)
			}
			b := &countingBody{r: strings.NewReader(tc.body)}
			req := httptest.NewRequest(http.MethodPost, "/webhook", b)
			req.ContentLength = int64(len(tc.body))
			if tc.contentLength != 0 {
				req.ContentLength = tc.contentLength
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-GitHub-Event", tc.event)
			req.Header.Set("X-GitHub-Delivery", tc.delivery)
			if tc.sig != "" {
				req.Header.Set("X-Hub-Signature-256", tc.sig)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tc.code {
				t.Errorf("status %d (%s), want %d", w.Code, strings.TrimSpace(w.Body.String()), tc.code)
			}
			if b.read > tc.maxRead {
				t.Errorf("%d bytes of the body read, want at most %d", b.read, tc.maxRead)
			}
			if got := strings.Join(observed, ","); got != tc.observed {
				t.Errorf("observed %s, want %s", got, tc.observed)
			}
			if want := map[bool]int{true: 1}[tc.code == 202]; dispatched != want {
				t.Errorf("%d dispatched, want %d", dispatched, want)
			}
		})
	}
}
