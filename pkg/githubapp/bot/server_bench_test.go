package bot

import (
	"bytes"
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
	"syscall"
	"testing"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/webhook"
)

// BenchmarkServeHTTP is the server's CPU per acknowledged delivery, the network
// aside: GitHub's pull_request example (~23 KiB, a different pull request in turn)
// through Server.Handler, signature, routing decode, queue and log line (a text
// handler, as cmd/bot's, writing nowhere), answered 202; the jobs are no-ops.
// cpu-µs/op is the process's CPU time (user + system, the queue's workers and the
// garbage collector included) per delivery.
func BenchmarkServeHTTP(b *testing.B) {
	var example map[string]any
	if err := json.Unmarshal(githubtest.WebhookExamples(b)["pull_request"][0], &example); err != nil {
		b.Fatal(err)
	}
	type delivery struct {
		body []byte
		sig  string
	}
	var deliveries []delivery
	for n := range 256 {
		example["number"] = n + 1
		example["pull_request"].(map[string]any)["number"] = n + 1
		body, err := json.Marshal(example)
		if err != nil {
			b.Fatal(err)
		}
		m := hmac.New(sha256.New, []byte(queueTestSecret))
		m.Write(body)
		deliveries = append(deliveries, delivery{body, "sha256=" + hex.EncodeToString(m.Sum(nil))})
	}
	route := func(ev webhook.Event) (Job, bool) {
		e := ev.Payload.(*webhook.PullRequestEvent)
		return Job{Key: fmt.Sprintf("%s#%d", e.Repository.FullName, e.Number), Kind: "pull_request", Installation: ev.Installation,
			Run: func(context.Context) error { return nil }}, true
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := NewServer(ctx, Config{WebhookSecret: []byte(queueTestSecret), Workers: 4, QueueSize: 1 << 16, QueuePerInstallation: 1 << 16,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Routes: Routes{"pull_request": route}})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	b.SetBytes(int64(len(deliveries[0].body)))
	b.ReportAllocs()
	i := 0
	cpu0 := processCPU(b)
	for b.Loop() {
		d := deliveries[i%len(deliveries)]
		req := httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(d.body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", "pull_request")
		req.Header.Set("X-GitHub-Delivery", fmt.Sprintf("bench-%d", i))
		req.Header.Set("X-Hub-Signature-256", d.sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusAccepted {
			b.Fatalf("delivery %d answered %d: %s", i, w.Code, w.Body)
		}
		i++
	}
	b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/float64(i), "cpu-µs/op")
}

// processCPU is this process's CPU time so far, user and system.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
