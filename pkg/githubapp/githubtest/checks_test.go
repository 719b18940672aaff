package githubtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/netguard"
)

// annotations is a JSON array of n valid annotations.
func annotations(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`{"path":"a.yaml","start_line":%d,"end_line":%d,"annotation_level":"warning","message":"m%d"}`, i+1, i+1, i)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func do(t *testing.T, s *Server, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := netguard.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

// TestCheckRuns drives the check run endpoints in order, each request checked
// against GitHub's description (checked) or by the fake's own rules (unchecked).
func TestCheckRuns(t *testing.T) {
	sha := strings.Repeat("a", 40)
	big := strings.Repeat("x", CheckRunOutputLimit+1)
	for _, checked := range []bool{true, false} {
		t.Run(fmt.Sprintf("spec=%v", checked), func(t *testing.T) {
			s := New(t)
			if checked {
				s = NewChecked(t)
			}
			steps := []struct {
				name, method, path, body string
				want                     int
			}{
				{"create", "POST", "/repos/o/r/check-runs", `{"name":"gitops/plan","head_sha":"` + sha + `","status":"in_progress","external_id":"x",` +
					`"output":{"title":"t","summary":"s","annotations":` + annotations(50) + `}}`, 201},
				{"create without head_sha", "POST", "/repos/o/r/check-runs", `{"name":"gitops/plan"}`, 422},
				{"create for a short sha", "POST", "/repos/o/r/check-runs", `{"name":"gitops/plan","head_sha":"abc"}`, 422},
				{"51 annotations", "PATCH", "/repos/o/r/check-runs/1001", `{"name":"gitops/plan","output":{"title":"t","summary":"s","annotations":` + annotations(51) + `}}`, 422},
				{"summary too long", "PATCH", "/repos/o/r/check-runs/1001", `{"name":"gitops/plan","output":{"title":"t","summary":"` + big + `"}}`, 422},
				{"bad level", "PATCH", "/repos/o/r/check-runs/1001", `{"name":"gitops/plan","output":{"title":"t","summary":"s","annotations":[{"path":"a","start_line":1,"end_line":1,"annotation_level":"error","message":"m"}]}}`, 422},
				{"completed without conclusion", "PATCH", "/repos/o/r/check-runs/1001", `{"name":"gitops/plan","status":"completed"}`, 422},
				{"stale", "PATCH", "/repos/o/r/check-runs/1001", `{"name":"gitops/plan","conclusion":"stale"}`, 422},
				{"add annotations", "PATCH", "/repos/o/r/check-runs/1001", `{"name":"gitops/plan","output":{"title":"t2","summary":"s2","annotations":` + annotations(20) + `}}`, 200},
				{"complete", "PATCH", "/repos/o/r/check-runs/1001", `{"name":"gitops/plan","conclusion":"failure"}`, 200},
				{"get", "GET", "/repos/o/r/check-runs/1001", "", 200},
				{"get unknown", "GET", "/repos/o/r/check-runs/7", "", 404},
				{"update unknown", "PATCH", "/repos/o/r/check-runs/7", `{"name":"x"}`, 404},
				{"second run", "POST", "/repos/o/r/check-runs", `{"name":"gitops/plan","head_sha":"` + sha + `","conclusion":"success","output":{"title":"t","summary":"s"}}`, 201},
				{"list", "GET", "/repos/o/r/commits/" + sha + "/check-runs?check_name=gitops/plan&filter=all", "", 200},
			}
			for _, st := range steps {
				if code, out := do(t, s, st.method, st.path, st.body); code != st.want {
					t.Fatalf("%s: %d %v, want %d", st.name, code, out, st.want)
				}
			}
			runs := s.CheckRuns("o/r")
			if len(runs) != 2 {
				t.Fatalf("runs: %+v", runs)
			}
			r := runs[0]
			if r.Status != "completed" || r.Conclusion != "failure" || r.Title != "t2" || r.Summary != "s2" || r.ExternalID != "x" ||
				len(r.Annotations) != 70 || r.Annotations[69].Message != "m19" || r.Requests != 3 || r.CompletedAt == "" {
				t.Errorf("run: %+v", r)
			}
			_, got := do(t, s, "GET", "/repos/o/r/check-runs/1001", "")
			if out := got["output"].(map[string]any); out["annotations_count"] != float64(70) {
				t.Errorf("get: %v", got)
			}
			for _, tc := range []struct {
				query       string
				runs, total int
			}{
				{"?check_name=gitops/plan&filter=all", 2, 2},
				{"", 1, 1}, // only the newest of each name
				{"?status=in_progress", 0, 0},
				{"?check_name=other", 0, 0},
				{"?filter=all&per_page=1", 1, 2},
			} {
				_, list := do(t, s, "GET", "/repos/o/r/commits/"+sha+"/check-runs"+tc.query, "")
				if n := len(list["check_runs"].([]any)); n != tc.runs || list["total_count"] != float64(tc.total) {
					t.Errorf("list%s: %d runs of %v, want %d of %d", tc.query, n, list["total_count"], tc.runs, tc.total)
				}
			}
		})
	}
}

// TestCheckRunRerequestedExample: GitHub's own example of the check_run
// "rerequested" webhook is among the examples, for the bot's tests.
func TestCheckRunRerequestedExample(t *testing.T) {
	found := 0
	for _, ex := range WebhookExamples(t)["check_run"] {
		var ev struct {
			Action   string `json:"action"`
			CheckRun struct {
				ID      int64  `json:"id"`
				Name    string `json:"name"`
				HeadSHA string `json:"head_sha"`
			} `json:"check_run"`
			Installation struct {
				ID int64 `json:"id"`
			} `json:"installation"`
		}
		if err := json.Unmarshal(ex, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Action == "rerequested" {
			found++
			if ev.CheckRun.ID == 0 || ev.CheckRun.Name == "" || len(ev.CheckRun.HeadSHA) != 40 || ev.Installation.ID == 0 {
				t.Errorf("rerequested example: %+v", ev)
			}
		}
	}
	if found == 0 {
		t.Error("no check_run rerequested example")
	}
}
