package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

func TestParseSink(t *testing.T) {
	tests := []struct {
		spec    string
		want    Format
		wantErr string
	}{
		{"https://example.com/hook", Generic, ""},
		{"generic+https://example.com/hook", Generic, ""},
		{"slack+https://hooks.slack.com/services/T0/B0/XXXXSECRET", Slack, ""},
		{"teams+https://prod.example.logic.azure.com/workflows/1?sig=SECRET", Teams, ""},
		{"http://127.0.0.1:9/hook", Generic, ""},
		{"http://example.com/hook?token=SECRET", "", "plain http only for localhost"},
		{"discord+https://example.com/x/SECRET", "", "unknown format"},
		{"not a url", "", "want an absolute https URL"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			s, err := ParseSink(tt.spec, nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "SECRET") {
					t.Fatalf("err %v, want %q without the URL's secret", err, tt.wantErr)
				}
				return
			}
			if err != nil || s.Format != tt.want || strings.Contains(s.String(), "SECRET") {
				t.Fatalf("got %v (%s), %v", s.Format, s, err)
			}
		})
	}
}

func executed() *plan.Plan {
	return &plan.Plan{Source: "https://git.example.com/fleet", Revision: "0123456789abcdef0123456789abcdef01234567", Changes: []plan.Change{
		{ID: object.ID{Kind: "ConfigMap", Namespace: "a", Name: "ok"}, Action: plan.Create, Result: plan.Applied},
		{ID: object.ID{Group: "apps", Kind: "Deployment", Namespace: "a", Name: "web"}, Action: plan.Update, Result: plan.Failed,
			Source: manifest.Source{File: "apps/web.yaml", Line: 3}, Error: "admission webhook denied it"},
	}}
}

func TestSendAll(t *testing.T) {
	var mu sync.Mutex
	got := map[string][]byte{}
	sigs := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got[r.URL.Path], sigs[r.URL.Path] = b, r.Header.Get(SignatureHeader)
		mu.Unlock()
		if r.URL.Path == "/broken" {
			http.Error(w, "no", http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	secret := []byte("notify-secret")
	var sinks []Sink
	for _, spec := range []string{srv.URL + "/generic", "slack+" + srv.URL + "/slack", "teams+" + srv.URL + "/teams", srv.URL + "/broken?token=SECRET"} {
		s, err := ParseSink(spec, secret)
		if err != nil {
			t.Fatal(err)
		}
		sinks = append(sinks, s)
	}
	r := ReportOf("apply", executed(), "secret/prod in default", "https://ci.example.com/run/1")
	err := SendAll(context.Background(), sinks, r, 5*time.Second)
	if err == nil || !strings.Contains(err.Error(), "500") || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("SendAll: %v, want the broken sink's 500 without its token", err)
	}

	// Generic: the report as JSON, signed.
	var rep Report
	if err := json.Unmarshal(got["/generic"], &rep); err != nil || rep.Succeeded || rep.Counts.Failed != 1 || len(rep.Failures) != 1 ||
		!strings.Contains(rep.Failures[0], "apps/web.yaml:3") {
		t.Fatalf("generic body %s (%v)", got["/generic"], err)
	}
	m := hmac.New(sha256.New, secret)
	m.Write(got["/generic"])
	if sigs["/generic"] != "sha256="+hex.EncodeToString(m.Sum(nil)) {
		t.Errorf("generic signature %q does not match the body", sigs["/generic"])
	}
	// Slack and Teams: their formats.
	var slack struct {
		Text   string `json:"text"`
		Blocks []struct {
			Text struct{ Text string } `json:"text"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(got["/slack"], &slack); err != nil || !strings.Contains(slack.Text, "apply of 0123456789ab to secret/prod in default failed") ||
		len(slack.Blocks) != 1 || !strings.Contains(slack.Blocks[0].Text.Text, "Deployment.apps a/web") {
		t.Fatalf("slack body %s", got["/slack"])
	}
	var teams struct {
		Type        string `json:"type"`
		Attachments []struct {
			ContentType string         `json:"contentType"`
			Content     map[string]any `json:"content"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(got["/teams"], &teams); err != nil || teams.Type != "message" || len(teams.Attachments) != 1 ||
		teams.Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" || teams.Attachments[0].Content["type"] != "AdaptiveCard" {
		t.Fatalf("teams body %s", got["/teams"])
	}
}

func TestSendAllUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	s, _ := ParseSink(url+"/hook?token=SECRET", nil)
	err := SendAll(context.Background(), []Sink{s}, ReportOf("plan", &plan.Plan{}, "", ""), time.Second)
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("err %v", err)
	}
}
