package webhook

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
)

// BotEvents are the webhook events the bot handles.
var botEvents = []string{"pull_request", "issue_comment", "push", "installation", "installation_repositories", "ping", "package", "registry_package", "status", "check_run"}

// webhookExamples reads GitHub's example payloads of the events the bot handles
// (githubtest.WebhookExamples).
func webhookExamples(t testing.TB) map[string][][]byte { return githubtest.WebhookExamples(t) }

// TestWebhookExamples sends every GitHub example of every event the bot handles,
// signed, to the webhook: each is taken (202) and parsed into go-github's type, with
// its installation; events the bot does not handle are acknowledged (200).
func TestWebhookExamples(t *testing.T) {
	examples := webhookExamples(t)
	var got []Event
	h, err := NewHandler(webhookSecret, func(_ context.Context, ev Event) error {
		got = append(got, ev)
		return nil
	}, WithEvents(botEvents...))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range append(botEvents, "star", "workflow_run") {
		if len(examples[name]) == 0 && name != "registry_package" { // GitHub publishes none of it
			t.Fatalf("no examples of %s", name)
		}
		for i, body := range examples[name] {
			n++
			req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(string(body)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-GitHub-Event", name)
			req.Header.Set("X-GitHub-Delivery", fmt.Sprintf("%s-%d", name, i))
			req.Header.Set("X-Hub-Signature-256", sign(webhookSecret, body))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			want := http.StatusAccepted
			if name == "star" || name == "workflow_run" {
				want = http.StatusOK
			}
			if w.Code != want {
				t.Errorf("%s example %d: %d %s, want %d", name, i, w.Code, strings.TrimSpace(w.Body.String()), want)
			}
		}
	}
	for _, ev := range got {
		if ev.Payload == nil || ev.Installation != 4242 && ev.Installation == 0 {
			t.Errorf("%s %s: payload %T, installation %d", ev.Name, ev.Delivery, ev.Payload, ev.Installation)
		}
	}
	if len(got) == 0 || n < 50 {
		t.Fatalf("only %d examples sent, %d taken", n, len(got))
	}
}

// FuzzWebhook feeds arbitrary bodies and event names, correctly signed, to the
// webhook: it must never panic, and must answer 202, 200 or 400 only.
func FuzzWebhook(f *testing.F) {
	for name, bodies := range webhookExamples(f) {
		for _, b := range bodies[:min(len(bodies), 3)] {
			f.Add(name, b)
		}
	}
	f.Add("pull_request", []byte(`{"action":`))
	f.Add("push", []byte(`null`))
	h, err := NewHandler(webhookSecret, func(context.Context, Event) error { return nil },
		WithEvents(botEvents...), WithDeliveryMemory(1, 0), WithLogger(discardLogger()))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, name string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", name)
		req.Header.Set("X-GitHub-Delivery", "d")
		req.Header.Set("X-Hub-Signature-256", sign(webhookSecret, body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		switch {
		case w.Code == http.StatusAccepted, w.Code == http.StatusOK, w.Code == http.StatusBadRequest:
		case w.Code == http.StatusRequestHeaderFieldsTooLarge && len(name) > MaxHeader:
		default:
			t.Fatalf("event %q: status %d", name, w.Code)
		}
	})
}
