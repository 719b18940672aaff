package webhook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/registryevent"
)

// FuzzWebhookSignature feeds arbitrary headers and bodies to the webhook, signed or
// not: it must never panic, must answer with one of its status codes, and must
// dispatch only a delivery whose X-Hub-Signature-256 is the body's HMAC under the
// secret. What the observer is told names the event only for such a delivery.
func FuzzWebhookSignature(f *testing.F) {
	for name, bodies := range webhookExamples(f) {
		for _, b := range bodies[:min(len(bodies), 2)] {
			f.Add(name, "d-"+name, "application/json", "", b, true)
		}
	}
	pr := []byte(`{"action":"opened","number":3,"pull_request":{"number":3,"head":{"sha":"abc"}},"installation":{"id":42}}`)
	f.Add("pull_request", "d", "application/json", "sha256="+strings.Repeat("0", 64), pr, false)
	f.Add("pull_request", "d", "application/json", "sha256=zz", pr, false)
	f.Add("pull_request", "d", "application/json", "sha1=0000", pr, false)
	f.Add("pull_request", "d", "application/x-www-form-urlencoded", "", []byte("payload="+url.QueryEscape(string(pr))), true)
	f.Add("pull_request", "d", "application/x-www-form-urlencoded", "", []byte("payload=%zz"), true)
	f.Add("pull_request", "d", "text/plain; charset", "", pr, true)
	f.Add(strings.Repeat("e", 200), "d", "application/json", "", pr, true)
	f.Add("", "", "", "", []byte{}, false)
	f.Fuzz(func(t *testing.T, event, delivery, contentType, sig string, body []byte, signed bool) {
		if signed {
			sig = sign(webhookSecret, body)
		}
		var dispatched []Event
		var observed []string
		h, err := NewHandler(webhookSecret, func(_ context.Context, ev Event) error {
			dispatched = append(dispatched, ev)
			return nil
		}, WithEvents(botEvents...), WithMaxBody(1<<20), WithLogger(discardLogger()),
			WithObserver(func(e, _ string) { observed = append(observed, e) }))
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(string(body)))
		for k, v := range map[string]string{"Content-Type": contentType, "X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "X-Hub-Signature-256": sig} {
			req.Header[k] = []string{v} // as sent, not canonicalised or checked
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		valid := sig == sign(webhookSecret, body) || strings.EqualFold(sig, sign(webhookSecret, body))
		switch w.Code {
		case http.StatusAccepted, http.StatusOK, http.StatusBadRequest:
			if !valid {
				t.Fatalf("status %d for a delivery signed %q", w.Code, sig)
			}
		case http.StatusUnauthorized, http.StatusRequestHeaderFieldsTooLarge:
		default:
			t.Fatalf("status %d", w.Code)
		}
		if len(dispatched) > 0 && (!valid || w.Code != http.StatusAccepted || dispatched[0].Name != event || dispatched[0].Delivery != delivery) {
			t.Fatalf("dispatched %+v (status %d, signature valid: %v)", dispatched[0], w.Code, valid)
		}
		if len(observed) != 1 {
			t.Fatalf("observed %v", observed)
		}
		if o := observed[0]; o != OtherEvent && (!valid || o != event || !slices.Contains(botEvents, o)) {
			t.Fatalf("observer told %q for event %q (signature valid: %v)", o, event, valid)
		}
	})
}

// FuzzParseEvent: whatever the payload of whichever event, parsing it and finding its
// installation never panics, and a payload that parses has a payload type.
func FuzzParseEvent(f *testing.F) {
	for name, bodies := range webhookExamples(f) {
		for _, b := range bodies[:min(len(bodies), 3)] {
			f.Add(name, b)
		}
	}
	f.Add("registry_package", []byte(`{"action":"published","registry_package":{"package_type":"CONTAINER"}}`))
	f.Add("package", []byte(`{"package":null}`))
	f.Add("issue_comment", []byte(`[]`))
	f.Fuzz(func(t *testing.T, name string, payload []byte) {
		parsed, err := parseEvent(name, payload)
		if err != nil {
			return
		}
		if parsed == nil {
			t.Fatalf("%s: nil payload and no error", name)
		}
		_ = installationOf(parsed, payload)
		if pe, ok := parsed.(*PackageEvent); ok {
			evs, err := pe.ImagesPushed()
			for _, e := range evs {
				if err == nil && (e.Repository == "" || e.Format != registryevent.FormatGitHubPackage) {
					t.Fatalf("%s: image pushed %+v", name, e)
				}
			}
		}
	})
}
