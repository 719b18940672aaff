package cmdutil

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// bigPlan has n ConfigMaps to update, each with a diff of about 2 KiB.
func bigPlan(n int) *plan.Plan {
	p := &plan.Plan{SchemaVersion: plan.SchemaVersion}
	for i := range n {
		diff := "--- live\n+++ git\n@@ -1 +1 @@\n-" + strings.Repeat("a", 1000) + "\n+" + strings.Repeat("b", 1000) + "\n"
		p.Changes = append(p.Changes, plan.Change{ID: object.ID{Kind: "ConfigMap", Namespace: "shop", Name: "cm" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)},
			Action: plan.Update, Diff: diff})
	}
	return p
}

func TestReportWrite(t *testing.T) {
	tests := []struct {
		name    string
		already int // bytes in the summary file before
		changes int
	}{
		{"empty summary", 0, 3},
		{"diffs over the limit", 0, 2000},
		{"summary nearly full", StepSummaryLimit - 300, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			summary, outputs := filepath.Join(dir, "summary.md"), filepath.Join(dir, "output")
			if err := os.WriteFile(summary, []byte(strings.Repeat("x", tt.already)), 0o644); err != nil {
				t.Fatal(err)
			}
			o := ReportOptions{OutputDir: filepath.Join(dir, "out"), SummaryFile: summary, GitHubOutput: outputs}
			p := bigPlan(tt.changes)
			if err := o.Write(p, "kubectl gitops plan"); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(summary)
			if err != nil || fi.Size() > StepSummaryLimit || fi.Size() <= int64(tt.already) {
				t.Fatalf("summary is %d bytes (had %d; limit %d): %v", fi.Size(), tt.already, StepSummaryLimit, err)
			}
			out, err := os.ReadFile(outputs)
			if err != nil {
				t.Fatal(err)
			}
			kv := map[string]string{}
			for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				k, v, _ := strings.Cut(l, "=")
				kv[k] = v
			}
			if kv["update"] != itoa(tt.changes) || kv["changed"] != "true" || kv["create"] != "0" || kv["failed"] != "0" {
				t.Errorf("outputs: %v", kv)
			}
			md, err := os.ReadFile(kv["plan-markdown"])
			if err != nil || !strings.Contains(string(md), strings.Repeat("b", 1000)) {
				t.Errorf("plan-markdown %s: %v (all diffs wanted)", kv["plan-markdown"], err)
			}
			var js struct {
				Changes []json.RawMessage `json:"changes"`
			}
			if b, err := os.ReadFile(kv["plan-json"]); err != nil || json.Unmarshal(b, &js) != nil || len(js.Changes) != tt.changes {
				t.Errorf("plan-json %s: %v", kv["plan-json"], err)
			}
		})
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestReportRefusesAFullSummary(t *testing.T) {
	summary := filepath.Join(t.TempDir(), "summary.md")
	if err := os.WriteFile(summary, []byte(strings.Repeat("x", StepSummaryLimit)), 0o644); err != nil {
		t.Fatal(err)
	}
	o := ReportOptions{SummaryFile: summary}
	if err := o.Write(bigPlan(1), "kubectl gitops plan"); err == nil || !strings.Contains(err.Error(), "no room") {
		t.Fatalf("want an error saying the summary is full, got %v", err)
	}
}

func TestCommentOptionsValidate(t *testing.T) {
	for _, tt := range []struct {
		o    CommentOptions
		want bool
	}{
		{CommentOptions{MaxPages: 10}, true},
		{CommentOptions{Name: "prod-eu.1", MaxPages: 10}, true},
		{CommentOptions{Name: "prod eu", MaxPages: 10}, false},
		{CommentOptions{Name: "x/y", MaxPages: 10}, false},
		{CommentOptions{PR: -1, MaxPages: 10}, false},
		{CommentOptions{MaxPages: 0}, false},
	} {
		if err := tt.o.Validate(); (err == nil) != tt.want {
			t.Errorf("%+v: %v", tt.o, err)
		}
	}
}
