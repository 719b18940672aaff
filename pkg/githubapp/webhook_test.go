package githubapp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
)

var webhookSecret = []byte("s3cret-webhook")

func sign(secret, body []byte) string { return githubtest.Sign(secret, body) }

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
			var got []WebhookEvent
			busy := tt.busy
			h, err := NewWebhookHandler(webhookSecret, func(_ context.Context, ev WebhookEvent) error {
				if busy {
					busy = false
					return ErrBusy
				}
				got = append(got, ev)
				return nil
			}, WithMaxWebhookBody(1024), WithWebhookEvents("pull_request", "ping"))
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
	if _, err := NewWebhookHandler(nil, nil); err == nil {
		t.Error("an empty secret was accepted")
	}
}
