package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
)

// webhookSecret signs every delivery of the benchmark.
var webhookSecret = []byte("bench-bot-webhook-secret")

// deliver posts one signed delivery and returns the status and the time to the
// answer's status line (the acknowledgement).
func deliver(ctx context.Context, client *http.Client, url, event, id string, body []byte) (int, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	m := hmac.New(sha256.New, webhookSecret)
	m.Write(body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", id)
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(m.Sum(nil)))
	start := time.Now()
	resp, err := client.Do(req)
	d := time.Since(start)
	if err != nil {
		return 0, d, fmt.Errorf("deliver %s %s: %w", event, id, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, d, nil
}

// pullRequestExample is GitHub's own example of a pull_request synchronize
// delivery (@octokit/webhooks-examples, fetched by hack/github-spec.sh), ~25 KB.
func pullRequestExample() (map[string]any, error) {
	dir, err := githubtest.DataDir()
	if err != nil {
		return nil, fmt.Errorf("GitHub's webhook examples: %w", err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "webhooks-examples.json"))
	if err != nil {
		return nil, err
	}
	var all []struct {
		Name     string            `json:"name"`
		Examples []json.RawMessage `json:"examples"`
	}
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, fmt.Errorf("webhooks-examples.json: %w", err)
	}
	for _, e := range all {
		if e.Name != "pull_request" {
			continue
		}
		for _, ex := range e.Examples {
			var m map[string]any
			if err := json.Unmarshal(ex, &m); err != nil {
				return nil, fmt.Errorf("example of pull_request: %w", err)
			}
			if m["action"] == "synchronize" {
				return m, nil
			}
		}
	}
	return nil, fmt.Errorf("webhooks-examples.json has no pull_request synchronize example")
}

// prPayload is the example made about pull request number of owner/name at head,
// delivered for installation inst.
func prPayload(example map[string]any, owner, name string, number int, head string, inst int64) ([]byte, error) {
	var m map[string]any
	b, _ := json.Marshal(example)
	if err := json.Unmarshal(b, &m); err != nil { // a deep copy
		return nil, err
	}
	m["number"] = number
	m["installation"] = map[string]any{"id": inst}
	repo, _ := m["repository"].(map[string]any)
	pr, _ := m["pull_request"].(map[string]any)
	if repo == nil || pr == nil {
		return nil, fmt.Errorf("the pull_request example lacks repository or pull_request")
	}
	repo["name"], repo["full_name"] = name, owner+"/"+name
	if o, ok := repo["owner"].(map[string]any); ok {
		o["login"] = owner
	}
	pr["number"] = number
	if h, ok := pr["head"].(map[string]any); ok {
		h["sha"] = head
	}
	return json.Marshal(m)
}
