package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/netguard"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/registryevent"
)

const (
	testRegistrySecret = "registry-s3cret"
	testWebhookSecret  = "webhook-s3cret"
)

// pushRecorder is an ImagesPushed that records what it is given, or fails with err.
type pushRecorder struct {
	mu     sync.Mutex
	events []registryevent.Event
	calls  int
	err    error
}

func (p *pushRecorder) imagesPushed(_ context.Context, evs []registryevent.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	p.calls++
	p.events = append(p.events, evs...)
	return nil
}

func (p *pushRecorder) got() (int, []registryevent.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls, append([]registryevent.Event(nil), p.events...)
}

// newImageServer is a bot server whose image automation is rec, with or without a
// registry webhook secret.
func newImageServer(t *testing.T, rec *pushRecorder, registrySecret string) (*Server, *httptest.Server) {
	t.Helper()
	srv, err := NewServer(context.Background(), Config{
		WebhookSecret: []byte(testWebhookSecret), RegistryWebhookSecret: []byte(registrySecret), RegistryMaxBody: 4096,
		Workers: 1, QueueSize: 10, Log: quietLog(), ImagesPushed: rec.imagesPushed,
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return srv, hs
}

func send(t *testing.T, method, url string, header map[string]string, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := netguard.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// TestRegistryHook: POST /hooks/registry answers each notification with its status,
// passes accepted events to ImagesPushed once, and counts them in /metrics.
func TestRegistryHook(t *testing.T) {
	rec := &pushRecorder{}
	_, hs := newImageServer(t, rec, testRegistrySecret)
	url := hs.URL + "/hooks/registry"
	bearer := map[string]string{"Authorization": "Bearer " + testRegistrySecret, "Content-Type": registryevent.EnvelopeMediaType}
	envelope := `{"events":[{"id":"ev-1","action":"push","target":{"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
		`"digest":"sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf","repository":"shop/web",` +
		`"url":"http://registry.example.com/v2/shop/web/manifests/sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf","tag":"1.2.0"},` +
		`"request":{"host":"registry.example.com","method":"PUT"}}]}`
	quay := `{"docker_url":"quay.io/acme/api","updated_tags":["2.0.0"]}`
	for _, tc := range []struct {
		name   string
		method string
		url    string
		header map[string]string
		body   string
		err    error
		status int
		reason string
	}{
		{"accepted", "POST", url, bearer, envelope, nil, 202, "accepted 1 event"},
		{"replayed", "POST", url, bearer, envelope, nil, 200, "events already taken"},
		{"no secret", "POST", url, map[string]string{"Content-Type": registryevent.EnvelopeMediaType}, envelope, nil, 401, "missing or wrong registry webhook secret"},
		{"wrong secret", "POST", url, map[string]string{"Authorization": "Bearer nope"}, quay, nil, 401, "missing or wrong"},
		{"unknown format", "POST", url, map[string]string{"Authorization": "Bearer " + testRegistrySecret, "Content-Type": "application/json"}, `{"hello":1}`, nil, 400, "unknown notification format"},
		{"bad JSON", "POST", url, bearer, `{"events":[}`, nil, 400, "distribution notification: bad JSON"},
		{"too large", "POST", url, bearer, `{"events":[` + strings.Repeat(" ", 5000) + `]}`, nil, 413, "body larger than 4096 bytes"},
		{"queue full", "POST", url + "?format=quay&token=" + testRegistrySecret, nil, quay, fmt.Errorf("bump: %w", ErrQueueFull), 503, "cannot take the events now"},
		{"failing automation", "POST", url + "?format=quay&token=" + testRegistrySecret, nil, quay, errors.New("index unavailable"), 500, "index unavailable"},
		{"queue has room again", "POST", url + "?format=quay&token=" + testRegistrySecret, nil, quay, nil, 202, "accepted 1 event"},
		{"GET", "GET", url, bearer, "", nil, 405, "POST only"},
	} {
		rec.mu.Lock()
		rec.err = tc.err
		rec.mu.Unlock()
		status, body := send(t, tc.method, tc.url, tc.header, tc.body)
		if status != tc.status || !strings.Contains(body, tc.reason) {
			t.Errorf("%s: %d %q, want %d with %q", tc.name, status, body, tc.status, tc.reason)
		}
	}
	calls, events := rec.got()
	want := []registryevent.Event{
		{Repository: "registry.example.com/shop/web", Tag: "1.2.0", Digest: "sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf", Format: "distribution", ID: "ev-1"},
		{Repository: "quay.io/acme/api", Tag: "2.0.0", Format: "quay"},
	}
	if calls != 2 || fmt.Sprint(events) != fmt.Sprint(want) {
		t.Fatalf("ImagesPushed: %d calls, %+v; want 2 calls, %+v", calls, events, want)
	}
	_, metrics := send(t, "GET", hs.URL+"/metrics", nil, "")
	for _, line := range []string{
		`gitops_bot_registry_notifications_total{format="distribution",outcome="accepted"} 1`,
		`gitops_bot_registry_notifications_total{format="distribution",outcome="duplicate"} 1`,
		`gitops_bot_registry_notifications_total{format="unknown",outcome="unauthorized"} 2`,
		`gitops_bot_registry_notifications_total{format="unknown",outcome="bad_request"} 2`, // unknown format, GET
		`gitops_bot_registry_notifications_total{format="distribution",outcome="bad_request"} 1`,
		`gitops_bot_registry_notifications_total{format="unknown",outcome="too_large"} 1`,
		`gitops_bot_registry_notifications_total{format="quay",outcome="busy"} 1`,
		`gitops_bot_registry_events_total{format="distribution",outcome="accepted"} 1`,
		`gitops_bot_registry_events_total{format="distribution",outcome="duplicate"} 1`,
		`gitops_bot_registry_events_total{format="quay",outcome="accepted"} 1`,
		`gitops_bot_registry_events_total{format="quay",outcome="busy"} 1`,
		`gitops_bot_registry_events_total{format="quay",outcome="error"} 1`,
	} {
		if !strings.Contains(metrics, line+"\n") {
			t.Errorf("/metrics lacks %s", line)
		}
	}
	if strings.Contains(metrics, testRegistrySecret) {
		t.Error("/metrics carries the secret")
	}
}

// TestRegistryHookNeedsASecret: without a registry webhook secret the path does not
// exist (404), whatever is sent; a secret without image automation is refused.
func TestRegistryHookNeedsASecret(t *testing.T) {
	rec := &pushRecorder{}
	_, hs := newImageServer(t, rec, "")
	status, _ := send(t, "POST", hs.URL+"/hooks/registry", map[string]string{"Authorization": "Bearer x"}, `{"events":[]}`)
	if status != http.StatusNotFound {
		t.Fatalf("without a secret: %d, want 404", status)
	}
	_, err := NewServer(context.Background(), Config{WebhookSecret: []byte(testWebhookSecret), RegistryWebhookSecret: []byte("x")})
	if err == nil || !strings.Contains(err.Error(), "no image automation") {
		t.Fatalf("a registry secret without ImagesPushed: %v", err)
	}
}

// TestPackageEvents: GitHub's container package example, tagged and delivered both
// as `package` and as `registry_package` (GitHub sends both for one push), reaches
// ImagesPushed once, as ghcr.io/OWNER/NAME:tag; GitHub's npm examples do not.
func TestPackageEvents(t *testing.T) {
	rec := &pushRecorder{}
	srv, hs := newImageServer(t, rec, "")
	var container map[string]any
	examples := githubtest.WebhookExamples(t)["package"]
	deliveries := map[string][]byte{}
	for i, body := range examples {
		deliveries[fmt.Sprintf("package/npm-%d", i)] = body
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		if reg, _ := m["package"].(map[string]any)["registry"].(map[string]any); reg["type"] == "CONTAINER" {
			container = m
		}
	}
	if container == nil {
		t.Fatal("no container example in @octokit/webhooks-examples")
	}
	md := container["package"].(map[string]any)["package_version"].(map[string]any)["container_metadata"].(map[string]any)
	md["tag"].(map[string]any)["name"] = "v2.0.0"
	deliveries["package/tagged"], _ = json.Marshal(container)
	container["registry_package"] = container["package"]
	delete(container, "package")
	deliveries["registry_package/tagged"], _ = json.Marshal(container)

	for id, body := range deliveries {
		event, _, _ := strings.Cut(id, "/")
		status, answer := send(t, "POST", hs.URL+"/webhook", map[string]string{
			"Content-Type": "application/json", "X-GitHub-Event": event, "X-GitHub-Delivery": id,
			"X-Hub-Signature-256": githubtest.Sign([]byte(testWebhookSecret), body),
		}, string(body))
		if status != http.StatusAccepted {
			t.Fatalf("%s: %d %s", id, status, answer)
		}
	}
	if err := srv.Shutdown(context.Background()); err != nil { // runs every queued job
		t.Fatal(err)
	}
	calls, events := rec.got()
	want := []registryevent.Event{{Repository: "ghcr.io/codertocat/hello-world", Tag: "v2.0.0", Format: "github-package", ID: "github-package:57755790:v2.0.0"}}
	if calls != 1 || fmt.Sprint(events) != fmt.Sprint(want) {
		t.Fatalf("ImagesPushed: %d calls, %+v; want once %+v", calls, events, want)
	}
}

func quietLog() *slog.Logger { return slog.New(slog.DiscardHandler) }
