package bot

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/images/imagestest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/registryevent"
)

// dropFirstAnswer passes registry notifications to the bot, but for the first one
// that reports tag pushed it closes the connection instead of answering, after the
// bot took it: the registry sees a failure and sends the same events again, as it
// does when an answer is lost. replayed receives the bot's answer to that replay.
type dropFirstAnswer struct {
	next     http.Handler
	tag      string
	t        *testing.T
	mu       sync.Mutex
	dropped  bool
	replayed chan int
}

func (d *dropFirstAnswer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	evs, _ := registryevent.Parse(registryevent.FormatDistribution, body)
	reports := false
	for _, e := range evs {
		reports = reports || e.Tag == d.tag
	}
	d.mu.Lock()
	first := reports && !d.dropped
	d.dropped = d.dropped || reports
	d.mu.Unlock()
	if !first {
		rec := httptest.NewRecorder()
		d.next.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		if reports {
			d.replayed <- rec.Code
		}
		return
	}
	rec := httptest.NewRecorder()
	d.next.ServeHTTP(rec, r)
	if rec.Code != http.StatusAccepted {
		d.t.Errorf("the bot answered the first notification of %s with %d %s", d.tag, rec.Code, rec.Body.String())
	}
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		d.t.Errorf("hijack: %v", err)
		return
	}
	_ = conn.Close() // the answer is lost
}

// TestDebianRegistryNotifications: Debian's docker-registry, configured with the bot's
// /hooks/registry as a notification endpoint (the secret as its Authorization header),
// reports an image pushed with go-containerregistry's remote.Write; ImagesPushed gets
// exactly that repository:tag once, though the registry sends the event again after
// its first answer is lost. The blob pushes it also reports are ignored.
func TestDebianRegistryNotifications(t *testing.T) {
	rec := &pushRecorder{}
	srv, err := NewServer(context.Background(), Config{
		WebhookSecret: []byte(testWebhookSecret), RegistryWebhookSecret: []byte(testRegistrySecret),
		Workers: 1, QueueSize: 10, Log: quietLog(), ImagesPushed: rec.imagesPushed,
	})
	if err != nil {
		t.Fatal(err)
	}
	const tag = "1.2.0"
	drop := &dropFirstAnswer{next: srv.Handler(), tag: tag, t: t, replayed: make(chan int, 4)}
	bot := httptest.NewServer(drop)
	defer bot.Close()

	dir := t.TempDir()
	notifications := fmt.Sprintf(`notifications:
  endpoints:
    - name: gitops-bot
      url: %s/hooks/registry
      headers:
        Authorization: [Bearer %s]
      timeout: 5s
      threshold: 1
      backoff: 100ms
`, bot.URL, testRegistrySecret)
	if err := os.WriteFile(filepath.Join(dir, "extra.yml"), []byte(notifications), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	reg, err := imagestest.StartDebianRegistry(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := reg.Stop(); err != nil {
			t.Log(err)
		}
	}()

	img, err := random.Image(1024, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.NewTag(reg.Host+"/shop/web:"+tag, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, remote.WithContext(ctx)); err != nil {
		t.Fatal(err)
	}
	digest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}

	select {
	case code := <-drop.replayed:
		if code != http.StatusOK {
			t.Fatalf("the replayed notification was answered %d, want 200 (already taken)", code)
		}
	case <-ctx.Done():
		log, _ := os.ReadFile(filepath.Join(dir, "registry.log"))
		t.Fatalf("the registry did not send the event again: %v\nits log:\n%s", ctx.Err(), log)
	}
	calls, events := rec.got()
	if calls != 1 || len(events) != 1 {
		t.Fatalf("ImagesPushed: %d calls, %+v; want one event", calls, events)
	}
	want := registryevent.Event{Repository: reg.Host + "/shop/web", Tag: tag, Digest: digest.String(), Format: "distribution", ID: events[0].ID}
	if events[0] != want || want.ID == "" {
		t.Fatalf("event %+v, want %+v with the envelope's event id", events[0], want)
	}
}
