package bot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/webhook"
)

// TestServerHoldsJobsWhileDeliveriesInFlight: through a real HTTP server, while a
// delivery is being answered (its body still arriving), no job starts; once it is
// answered, the job waiting starts, then the delivery's own. The gauge
// gitops_bot_requests_in_flight counts the delivery meanwhile, and the held job is
// counted in gitops_bot_queue_start_held_seconds.
func TestServerHoldsJobsWhileDeliveriesInFlight(t *testing.T) {
	log := newEventLog()
	route := func(ev webhook.Event) (Job, bool) {
		e := ev.Payload.(*webhook.PullRequestEvent)
		return Job{Key: fmt.Sprintf("%s#%d", e.Repository.FullName, e.Number), Kind: "pull_request", Installation: ev.Installation,
			Run: func(context.Context) error { return nil }}, true
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// A hold of an hour: only the delivery's end can release the job here.
	srv, err := NewServer(ctx, Config{WebhookSecret: []byte(queueTestSecret), Workers: 1, QueueSize: 10, StartHold: time.Hour,
		Log: slog.New(slog.DiscardHandler), Routes: Routes{"pull_request": route}})
	if err != nil {
		t.Fatal(err)
	}
	srv.queue.onStart = func(j Job) { log.add("start " + j.Key) }
	srv.queue.onHold = func(j Job, _ time.Duration) { log.addOnce("held " + j.Key) }
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()

	body, err := json.Marshal(prPayload(7, "acme/fleet", 1))
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, []byte(queueTestSecret))
	m.Write(body)
	pr, pw := io.Pipe()
	req, err := http.NewRequest(http.MethodPost, hs.URL+"/webhook", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "pull_request")
	req.Header.Set("X-GitHub-Delivery", "d1")
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(m.Sum(nil)))
	answered := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	if _, err := pw.Write(body[:len(body)/2]); err != nil { // read by the handler: it is in flight
		t.Fatal(err)
	}
	for srv.inFlight.Count() == 0 {
		time.Sleep(time.Millisecond)
	}
	if got := metricValue(t, srv, "gitops_bot_requests_in_flight"); got != "1" {
		t.Errorf("gitops_bot_requests_in_flight %s while a delivery is answered, want 1", got)
	}
	must(t, srv.Push(Job{Key: "pushed", Kind: "images", Run: func(context.Context) error { return nil }}))
	log.wait("held pushed", "start pushed")
	log.add("delivery sent")
	if _, err := pw.Write(body[len(body)/2:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if code := <-answered; code != http.StatusAccepted {
		t.Fatalf("delivery answered %d, want 202", code)
	}
	log.wait("start acme/fleet#1", "")
	want := []string{"held pushed", "delivery sent", "start pushed", "start acme/fleet#1"}
	if got := log.all(); strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("saw %q, want %q", got, want)
	}
	if got := metricValue(t, srv, "gitops_bot_queue_start_held_seconds_count"); got != "1" {
		t.Errorf("job starts held counted %s, want 1", got)
	}
	sctx, scancel := context.WithTimeout(context.Background(), time.Minute)
	defer scancel()
	must(t, srv.Shutdown(sctx))
}

// metricValue is the value of an unlabelled series on srv's /metrics ("" when absent).
func metricValue(t *testing.T, srv *Server, name string) string {
	t.Helper()
	w := httptest.NewRecorder()
	srv.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, l := range strings.Split(w.Body.String(), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == name {
			return f[1]
		}
	}
	return ""
}
