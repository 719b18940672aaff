package plancomment

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githublimit"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// testSHA is the head commit of the plans of the tests.
const testSHA = "0123456789abcdef0123456789abcdef01234567"

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

func TestPages(t *testing.T) {
	link := func(s manifest.Source) string {
		return fmt.Sprintf("https://github.com/o/r/blob/%s/%s#L%d", testSHA, s.File, s.Line)
	}
	tests := []struct {
		name      string
		sections  []Section
		wantPages int // 0: more than one
	}{
		{"small, one target", []Section{{Name: "prod", Blocks: bigPlan(3, 2).MarkdownBlocks(plan.MarkdownOptions{SourceURL: link})}}, 1},
		{"no changes", []Section{{Blocks: (&plan.Plan{}).MarkdownBlocks(plan.MarkdownOptions{})}}, 1},
		{"failed target", []Section{{Name: "a", Error: "clone: repository not found"}, {Name: "b", Blocks: bigPlan(1, 1).MarkdownBlocks(plan.MarkdownOptions{})}}, 1},
		{"many diffs", []Section{{Name: "prod", Blocks: bigPlan(300, 20).MarkdownBlocks(plan.MarkdownOptions{SourceURL: link})}}, 0},
		{"two targets, many objects", []Section{
			{Name: "prod", Blocks: bigPlan(900, 3).MarkdownBlocks(plan.MarkdownOptions{Title: "prod", SourceURL: link})},
			{Name: "staging", Blocks: bigPlan(900, 3).MarkdownBlocks(plan.MarkdownOptions{Title: "staging"})},
		}, 0},
		{"one diff larger than a page", []Section{{Name: "prod", Blocks: bigPlan(2, 3000).MarkdownBlocks(plan.MarkdownOptions{})}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Comment{Title: "kubectl gitops plan for `0123456`", Sections: tt.sections, Footer: "_Comment `/gitops plan` to run it again._\n"}
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
				if len(p) > githublimit.CommentChars-markerReserve {
					t.Errorf("page %d: %d bytes, over %d", i+1, len(p), githublimit.CommentChars-markerReserve)
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

// A plan of any size takes at most MaxPages pages; the last says what is left out
// and where the whole plan is; nothing is lost silently. (That the sticky comment
// writes them, and deletes those left over, is pkg/githubapp's test.)
func TestPagesBounded(t *testing.T) {
	huge := bigPlan(1700, 130) // over 10 MiB of diffs
	diffBytes := 0
	for _, ch := range huge.Changes {
		diffBytes += len(ch.Diff)
	}
	if diffBytes < 10<<20 {
		t.Fatalf("the plan has %d bytes of diffs, want 10 MiB", diffBytes)
	}
	comment := func(p *plan.Plan, maxPages int) Comment {
		return Comment{Title: Title(testSHA), MaxPages: maxPages, FullPlan: "The whole plan is in the job summary.",
			Sections: []Section{{Name: "prod", Blocks: p.MarkdownBlocks(plan.MarkdownOptions{})}}}
	}
	steps := []struct {
		name      string
		comment   Comment
		wantParts int
		wantLast  string // on the last page
	}{
		{"10 MB of diffs: the default number of pages", comment(huge, 0), DefaultMaxPages,
			"diffs left out here. Every object is listed above. The whole plan is in the job summary."},
		{"a lower bound", comment(huge, 3), 3, "left out here"},
		{"one page: objects left out too", comment(huge, 1), 1, "objects and 1701 diffs left out here"},
		{"a small plan: one page, nothing left out", comment(bigPlan(2, 2), 0), 1, "</details>"},
	}
	for _, st := range steps {
		pages := st.comment.Pages(0)
		if len(pages) != st.wantParts {
			t.Fatalf("%s: %d pages, want %d", st.name, len(pages), st.wantParts)
		}
		last := pages[len(pages)-1]
		if !strings.Contains(last, st.wantLast) {
			t.Errorf("%s: the last page does not say %q:\n…%s", st.name, st.wantLast, last[max(0, len(last)-600):])
		}
		// Nothing silently lost: each diff is shown, or counted as left out.
		shown := 0
		for i, p := range pages {
			if len(p) > githublimit.CommentChars-markerReserve {
				t.Errorf("%s: page %d: %d bytes, over %d", st.name, i+1, len(p), githublimit.CommentChars-markerReserve)
			}
			shown += strings.Count(p, "<details><summary>")
			checkMarkdownBalanced(t, i+1, p)
		}
		if m := regexp.MustCompile(`(\d+) diffs? left out`).FindStringSubmatch(last); m != nil {
			n, _ := strconv.Atoi(m[1])
			shown += n
		}
		if want := len(st.comment.Sections[0].Blocks.Diffs); shown != want {
			t.Errorf("%s: %d diffs shown or counted as left out, want %d", st.name, shown, want)
		}
		if st.wantParts > 1 && !strings.Contains(pages[0], "the last one says what is left out") {
			t.Errorf("%s: the first page does not say the plan is cut short", st.name)
		}
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
