package githubapp

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// recordedRequest is what the recording server saw of one request.
type recordedRequest struct {
	Method, Path, Auth, ContentType string
	Body                            map[string]any
}

// recorder is a GitHub stand-in that records every request and answers 201.
type recorder struct {
	mu   sync.Mutex
	reqs []recordedRequest
	// dropFirst closes the connection of the first request without an answer.
	dropFirst bool
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var body map[string]any
	if err := json.Unmarshal(data, &body); err != nil {
		http.Error(w, "bad JSON: "+err.Error(), http.StatusBadRequest)
		return
	}
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, recordedRequest{r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), body})
	drop := rec.dropFirst && len(rec.reqs) == 1
	rec.mu.Unlock()
	if drop {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close()
		}
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write([]byte(`{"id":1}`))
}

// TestStatusReporterExactRequests proves the calls a reporter makes: method, path
// under the configured API root, token, and the JSON body, in order.
func TestStatusReporterExactRequests(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()

	c, err := NewClient(srv.Client(), testToken, srv.URL+"/api/v3")
	if err != nil {
		t.Fatal(err)
	}
	runURL := "https://github.com/o/r/actions/runs/42"
	r := NewStatusReporter(c, testTarget, "", WithTargetURL(runURL), WithStatusLogger(quiet))
	ctx := context.Background()
	long := "apply failed:\n" + strings.Repeat("x", 200)
	steps := []func() error{
		func() error { return r.Pending(ctx, "applying 8 objects") },
		func() error { return r.Success(ctx, DescribeCounts(2, 1, 0, 5, 0)) },
		func() error { return r.Failure(ctx, long) },
		func() error { return r.Error(ctx, "") },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}

	path := "/api/v3/repos/o/r/statuses/" + testSHA
	want := []recordedRequest{
		{"POST", path, "Bearer " + testToken, "application/json", map[string]any{
			"state": "pending", "context": "gitops/apply", "description": "applying 8 objects", "target_url": runURL}},
		{"POST", path, "Bearer " + testToken, "application/json", map[string]any{
			"state": "success", "context": "gitops/apply", "description": "2 created, 1 updated, 0 deleted, 5 unchanged", "target_url": runURL}},
		{"POST", path, "Bearer " + testToken, "application/json", map[string]any{
			"state": "failure", "context": "gitops/apply", "description": "apply failed: " + strings.Repeat("x", 125) + "…", "target_url": runURL}},
		{"POST", path, "Bearer " + testToken, "application/json", map[string]any{
			"state": "error", "context": "gitops/apply", "target_url": runURL}},
	}
	if !reflect.DeepEqual(rec.reqs, want) {
		t.Errorf("requests:\n got  %+v\n want %+v", rec.reqs, want)
	}
}

// TestStatusReporterRetriesDroppedConnection retries a network failure once.
func TestStatusReporterRetriesDroppedConnection(t *testing.T) {
	rec := &recorder{dropFirst: true}
	srv := httptest.NewServer(rec)
	defer srv.Close()

	c, err := NewClient(srv.Client(), "", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	r := NewStatusReporter(c, testTarget, PlanStatusContext, WithStatusRetry(2, time.Millisecond), WithStatusLogger(quiet))
	if err := r.Success(context.Background(), "no changes"); err != nil {
		t.Fatal(err)
	}
	if len(rec.reqs) != 2 {
		t.Fatalf("%d requests, want 2 (dropped, retried)", len(rec.reqs))
	}
	for i, req := range rec.reqs {
		if req.Path != "/repos/o/r/statuses/"+testSHA || req.Auth != "" || req.Body["context"] != "gitops/plan" {
			t.Errorf("request %d = %+v", i, req)
		}
	}
}
