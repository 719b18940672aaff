package githubapp

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// bigPlan has n updated ConfigMaps, each with a diff of lines lines.
func bigPlan(n, lines int) *plan.Plan {
	p := &plan.Plan{Source: "repo", Revision: testSHA}
	for i := 0; i < n; i++ {
		var d strings.Builder
		d.WriteString("@@ -1,1 +1,1 @@\n")
		for l := 0; l < lines; l++ {
			fmt.Fprintf(&d, "-  key%d: old value %d\n+  key%d: new value %d\n", l, i, l, i)
		}
		p.Changes = append(p.Changes, plan.Change{
			ID:     object.ID{Kind: "ConfigMap", Namespace: "ns", Name: fmt.Sprintf("cm-%04d", i)},
			Action: plan.Update,
			Source: manifest.Source{File: fmt.Sprintf("apps/cm-%04d.yaml", i), Line: 1},
			Diff:   d.String(),
		})
	}
	p.Changes = append(p.Changes, plan.Change{ID: object.ID{Kind: "Secret", Namespace: "ns", Name: "gone"}, Action: plan.Delete, Diff: "-kind: Secret\n"})
	return p
}

func TestPlanCommentPages(t *testing.T) {
	link := func(s manifest.Source) string {
		return fmt.Sprintf("https://github.com/o/r/blob/%s/%s#L%d", testSHA, s.File, s.Line)
	}
	tests := []struct {
		name      string
		sections  []PlanSection
		wantPages int // 0: more than one
	}{
		{"small, one target", []PlanSection{{Name: "prod", Blocks: bigPlan(3, 2).MarkdownBlocks(plan.MarkdownOptions{SourceURL: link})}}, 1},
		{"no changes", []PlanSection{{Blocks: (&plan.Plan{}).MarkdownBlocks(plan.MarkdownOptions{})}}, 1},
		{"failed target", []PlanSection{{Name: "a", Error: "clone: repository not found"}, {Name: "b", Blocks: bigPlan(1, 1).MarkdownBlocks(plan.MarkdownOptions{})}}, 1},
		{"many diffs", []PlanSection{{Name: "prod", Blocks: bigPlan(300, 20).MarkdownBlocks(plan.MarkdownOptions{SourceURL: link})}}, 0},
		{"two targets, many objects", []PlanSection{
			{Name: "prod", Blocks: bigPlan(900, 3).MarkdownBlocks(plan.MarkdownOptions{Title: "prod", SourceURL: link})},
			{Name: "staging", Blocks: bigPlan(900, 3).MarkdownBlocks(plan.MarkdownOptions{Title: "staging"})},
		}, 0},
		{"one diff larger than a page", []PlanSection{{Name: "prod", Blocks: bigPlan(2, 3000).MarkdownBlocks(plan.MarkdownOptions{})}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := PlanComment{Title: "kubectl gitops plan for `0123456`", Sections: tt.sections, Footer: "_Comment `/gitops plan` to run it again._\n"}
			pages := c.Pages(0)
			if tt.wantPages > 0 && len(pages) != tt.wantPages {
				t.Fatalf("got %d pages, want %d", len(pages), tt.wantPages)
			}
			if tt.wantPages == 0 && len(pages) < 2 {
				t.Fatalf("got %d page, want continuation pages", len(pages))
			}
			all := strings.Join(pages, "")
			lines := map[string]bool{}
			for _, l := range strings.SplitAfter(all, "\n") {
				lines[l] = true
			}
			for i, p := range pages {
				if len(p) > CommentLimit-markerReserve {
					t.Errorf("page %d: %d bytes, over %d", i+1, len(p), CommentLimit-markerReserve)
				}
				checkMarkdownBalanced(t, i+1, p)
			}
			if len(pages) > 1 && !strings.Contains(pages[0], fmt.Sprintf("continues in the next %d comment", len(pages)-1)) &&
				!strings.Contains(pages[0], "continues in the next comment") {
				t.Errorf("first page does not say where the rest is:\n%.400s", pages[0])
			}
			// Nothing silently lost: every object's row and every diff is somewhere,
			// and every summary line is on the first page.
			for _, s := range tt.sections {
				if s.Error != "" {
					if !strings.Contains(all, "repository not found") {
						t.Errorf("target %s: error not shown", s.Name)
					}
					continue
				}
				if !strings.Contains(pages[0], s.Blocks.Summary) {
					t.Errorf("target %s: summary %q not on the first page", s.Name, s.Blocks.Summary)
				}
				for _, r := range s.Blocks.Rows {
					if !lines[r] {
						t.Fatalf("row missing: %q", r)
					}
				}
				for _, d := range s.Blocks.Diffs {
					summary := d.Block[:strings.Index(d.Block, "</summary>")]
					if !strings.Contains(all, summary) {
						t.Fatalf("diff missing: %q", summary)
					}
				}
			}
		})
	}
}

// checkMarkdownBalanced fails when a page leaves a code fence or <details> open.
func checkMarkdownBalanced(t *testing.T, page int, p string) {
	t.Helper()
	open := strings.Count(p, "<details>")
	if closed := strings.Count(p, "</details>"); open != closed {
		t.Errorf("page %d: %d <details> but %d </details>", page, open, closed)
	}
	fence := ""
	for _, line := range strings.Split(p, "\n") {
		trimmed := strings.TrimRight(line, "diff")
		switch {
		case fence == "" && strings.HasPrefix(line, "```") && strings.Trim(trimmed, "`") == "":
			fence = trimmed
		case fence != "" && line == fence:
			fence = ""
		}
	}
	if fence != "" {
		t.Errorf("page %d: code fence %q left open", page, fence)
	}
}
