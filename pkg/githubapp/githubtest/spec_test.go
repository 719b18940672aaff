package githubtest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/netguard"
)

func TestSpecChecked(t *testing.T) {
	s := NewChecked(t)
	sha := strings.Repeat("a", 40)
	tests := []struct {
		name, method, path, body string
		want                     int
	}{
		{"create comment", "POST", "/repos/o/r/issues/1/comments", `{"body":"hi"}`, 201},
		{"list comments", "GET", "/repos/o/r/issues/1/comments?per_page=100", "", 200},
		{"comment without body", "POST", "/repos/o/r/issues/1/comments", `{"text":"hi"}`, 422},
		{"status", "POST", "/repos/o/r/statuses/" + sha, `{"state":"success","context":"gitops/plan"}`, 201},
		{"status with a bad state", "POST", "/repos/o/r/statuses/" + sha, `{"state":"bogus"}`, 422},
		{"unknown path", "GET", "/repos/o/r/not-an-endpoint", "", 404},
		{"unknown method", "PUT", "/repos/o/r/issues/1/comments", `{}`, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, s.URL+tt.path, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := netguard.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("%s %s: %d, want %d", tt.method, tt.path, resp.StatusCode, tt.want)
			}
		})
	}
}
