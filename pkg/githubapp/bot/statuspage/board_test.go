package statuspage

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestServeHTTP(t *testing.T) {
	b := NewBoard()
	b.SetInstallation(1, "acme")
	b.SetTarget(1, "acme/fleet", "prod", "prod-eu", "clusters/prod")
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/", 200},
		{"HEAD", "/", 200},
		{"POST", "/", 405},
		{"DELETE", "/", 405},
		{"GET", "/admin", 404},
		{"GET", "/../etc/passwd", 404},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			b.ServeHTTP(rec, httptest.NewRequest(tc.method, "http://bot"+tc.path, nil))
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d", rec.Code, tc.want)
			}
			if tc.want == 405 && rec.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow = %q", rec.Header().Get("Allow"))
			}
			if tc.want == 200 && !strings.Contains(rec.Header().Get("Content-Security-Policy"), "default-src 'none'") {
				t.Errorf("no CSP: %v", rec.Header())
			}
		})
	}
}

// Everything on the page comes from repositories strangers write: names and messages
// are text, never markup, and links go only where the bot put them.
func TestHostileTextIsEscaped(t *testing.T) {
	b := NewBoard()
	b.SetInstallation(7, `<script>alert(1)</script>`)
	evil := `"><img src=x onerror=alert(1)>`
	b.SetTarget(7, "acme/fleet", evil, evil, evil)
	b.RecordPlan(7, "acme/fleet", evil, Run{SHA: evil, Summary: evil, URL: "javascript:alert(1)", Time: time.Now()})
	b.RecordError("acme/fleet", "pull_request", evil)
	b.AddPull(7, "acme/fleet", Pull{Number: 3, Title: evil, URL: "https://github.com/acme/fleet/pull/3"})
	body := get(t, b)
	for _, bad := range []string{"<script>alert", "<img", `href="javascript:`} {
		if strings.Contains(body, bad) {
			t.Errorf("page holds %q", bad)
		}
	}
	if !strings.Contains(body, "#ZgotmplZ") {
		t.Errorf("the javascript: link was not neutralised")
	}
}

func TestBounds(t *testing.T) {
	b := NewBoard()
	for i := range MaxTargetsPerRepository + 5 {
		b.SetTarget(1, "acme/fleet", fmt.Sprintf("t%03d", i), "", "")
	}
	for i := range MaxPullsPerRepository + 5 {
		b.AddPull(1, "acme/fleet", Pull{Number: i + 1})
	}
	for i := range MaxErrors + 5 {
		b.RecordError("acme/fleet", "job", fmt.Sprint("error ", i))
	}
	b.RecordDrift(1, "acme/fleet", "t104", Drift{State: Drifted, Message: strings.Repeat("x", 10*MaxTextLen)})
	s := b.Snapshot()
	r := s.Installations[0].Repositories[0]
	if len(r.Targets) != MaxTargetsPerRepository || r.DroppedTargets != 5 {
		t.Errorf("%d targets, %d dropped", len(r.Targets), r.DroppedTargets)
	}
	if len(r.Pulls) != MaxPullsPerRepository || r.Pulls[0].Number != 6 {
		t.Errorf("%d pulls, first #%d", len(r.Pulls), r.Pulls[0].Number)
	}
	if len(s.Errors) != MaxErrors || s.Errors[0].Message != fmt.Sprint("error ", MaxErrors+4) {
		t.Errorf("%d errors, newest %q", len(s.Errors), s.Errors[0].Message)
	}
	for _, tv := range r.Targets {
		if tv.Drift != nil && len([]rune(tv.Drift.Message)) != MaxTextLen {
			t.Errorf("message of %d runes", len([]rune(tv.Drift.Message)))
		}
	}
	if body := get(t, b); !strings.Contains(body, "5 more targets not shown") {
		t.Errorf("the page does not say targets were left out")
	}
}

func TestRemoveInstallation(t *testing.T) {
	b := NewBoard()
	b.SetInstallation(1, "acme")
	b.SetInstallation(2, "other")
	b.SetRepository(1, "acme/fleet")
	b.SetRepository(2, "other/fleet")
	b.RemoveInstallation(1)
	s := b.Snapshot()
	if len(s.Installations) != 1 || s.Installations[0].Account != "other" || len(s.Installations[0].Repositories) != 1 {
		t.Errorf("after removal: %+v", s.Installations)
	}
}

func get(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /: %d %v", resp.StatusCode, err)
	}
	return string(body)
}
