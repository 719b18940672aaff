package cmdutil

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/internal/mdcheck"
	"github.com/kubectl-gitops/kubectl-gitops/internal/untrusted"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
)

// The Action's comment is bounded too: past --github-comment-max-pages, its last
// page says what is left out and where the whole plan is (the job summary, the
// files of --output-dir); a second run of the same plan writes nothing.
func TestCommentBoundedPages(t *testing.T) {
	const runURL = "https://github.com/o/r/actions/runs/1"
	tests := []struct {
		name   string
		report ReportOptions
		want   string
	}{
		{"the Action: job summary and files", ReportOptions{SummaryFile: "summary.md", OutputDir: "out"},
			"The whole plan is in the job summary of [this workflow run](" + runURL + "), and in `plan.md` and `plan.json` of `--output-dir`"},
		{"only a job summary", ReportOptions{SummaryFile: "summary.md"}, "The whole plan is in the job summary of [this workflow run](" + runURL + ")."},
		{"nowhere else", ReportOptions{}, "Run `kubectl gitops plan` locally for the whole plan."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gh := githubtest.NewChecked(t)
			client, err := githubapp.NewClient(nil, "ghp_TESTtoken0123456789abcdefghijklmnopqrstu", gh.URL)
			if err != nil {
				t.Fatal(err)
			}
			o := CommentOptions{MaxPages: 2, FullPlan: tt.report.FullPlan(runURL), head: "0123456789abcdef0123456789abcdef01234567",
				sticky: githubapp.NewStickyComment(client, "o", "r", 7, commentKey, githubapp.WithCommentAuthor(gh.Author))}
			p := bigPlan(200) // about 400 KB of diffs
			for run := 1; run <= 2; run++ {
				before := len(gh.Calls())
				if err := o.Post(context.Background(), p, "kubectl gitops plan"); err != nil {
					t.Fatal(err)
				}
				writes := 0
				for _, c := range gh.Calls()[before:] {
					if c.Method != http.MethodGet {
						writes++
					}
				}
				comments := gh.Comments("o/r", 7)
				if len(comments) != 2 || (run == 1 && writes != 2) || (run == 2 && writes != 0) {
					t.Fatalf("run %d: %d comments, %d writes; want 2 comments, 2 writes then none", run, len(comments), writes)
				}
				last := comments[1].Body
				if !strings.Contains(last, "diffs left out here") || !strings.Contains(last, tt.want) {
					t.Fatalf("the last comment does not say what is left out and %q:\n…%s", tt.want, last[max(0, len(last)-500):])
				}
				for _, problem := range mdcheck.Check(last, mdcheck.Options{LinkHosts: []string{"github.com"},
					Comments: []*regexp.Regexp{regexp.MustCompile(`^ kubectl-gitops:action-plan part=\d head=[0-9a-f]+ $`)}}) {
					t.Error(problem)
				}
			}
		})
	}
}

// TestCommentNeutralisesUntrustedText: the Action's plan comment, parsed as GitHub
// does, has no mention, no link it did not make, no HTML it did not write, and every
// untrusted value whole (the bot's writers: pkg/githubapp/bot's markdown_test.go).
func TestCommentNeutralisesUntrustedText(t *testing.T) {
	o := CommentOptions{Name: untrusted.Text}
	pages := o.PlanComment(untrusted.Plan(), untrusted.Text).Pages(0)
	opts := mdcheck.Options{
		LinkHosts: []string{"github.com"},
		Value:     untrusted.Text,
		Comments:  []*regexp.Regexp{regexp.MustCompile(`^ kubectl-gitops:[a-z-]+ $`)},
	}
	for i, page := range pages {
		if !strings.Contains(page, "PWN") {
			t.Errorf("page %d shows no untrusted value: the test tests nothing", i+1)
		}
		for _, problem := range mdcheck.Check(page, opts) {
			t.Errorf("page %d: %s", i+1, problem)
		}
	}
	if t.Failed() {
		t.Logf("the Markdown:\n%s", strings.Join(pages, "\n----- next page -----\n"))
	}
}
