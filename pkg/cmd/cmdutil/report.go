package cmdutil

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// StepSummaryLimit is the most a GitHub Actions step may write to $GITHUB_STEP_SUMMARY.
const StepSummaryLimit = 1 << 20

// Names of the files --output-dir writes.
const (
	PlanMarkdownFile = "plan.md"
	PlanJSONFile     = "plan.json"
)

// fileLimit bounds plan.md: far beyond any comment, still a file a browser opens.
const fileLimit = 64 << 20

// ReportOptions write the result for CI besides what the command prints: the
// Markdown and JSON as files, a job summary, and step outputs (GitHub Actions).
type ReportOptions struct {
	OutputDir    string
	SummaryFile  string
	GitHubOutput string
	// Annotations writes workflow commands to Out that annotate the plan's problems
	// and changes at their file:line (WriteAnnotations).
	Annotations bool
	Out         io.Writer
}

// AddFlags registers the report flags.
func (o *ReportOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.OutputDir, "output-dir", "", "also write the result to "+PlanMarkdownFile+" and "+PlanJSONFile+" in this directory (created)")
	fs.StringVar(&o.SummaryFile, "summary-file", "", "append the result in Markdown to this file, within GitHub's 1 MiB job summary limit (e.g. $GITHUB_STEP_SUMMARY)")
	fs.StringVar(&o.GitHubOutput, "github-output", "", "append the counts, changed and the files' paths as step outputs to this file (e.g. $GITHUB_OUTPUT)")
}

// AddAnnotationsFlag registers --github-annotations (plan only: Out must be set).
func (o *ReportOptions) AddAnnotationsFlag(fs *pflag.FlagSet) {
	fs.BoolVar(&o.Annotations, "github-annotations", false, "print GitHub Actions workflow commands that annotate each problem (error) and each object that changes (notice) at its file:line in the pull request's Files tab (at most 10 of each)")
}

// FullPlan says in Markdown where these reports hold the whole plan, for a comment
// that cannot (runURL links to the job summary when known); "" when they do not.
func (o *ReportOptions) FullPlan(runURL string) string {
	var where []string
	if o.SummaryFile != "" {
		if runURL != "" {
			where = append(where, "the job summary of "+plan.MarkdownLink("this workflow run", runURL))
		} else {
			where = append(where, "the job summary")
		}
	}
	if o.OutputDir != "" {
		where = append(where, plan.MarkdownCode(PlanMarkdownFile)+" and "+plan.MarkdownCode(PlanJSONFile)+" of "+plan.MarkdownCode("--output-dir")+
			" (the Action's "+plan.MarkdownCode("plan-markdown")+" and "+plan.MarkdownCode("plan-json")+" outputs)")
	}
	if len(where) == 0 {
		return ""
	}
	return "The whole plan is in " + strings.Join(where, ", and in ") + "."
}

// Write writes p where the flags say; title heads the Markdown.
func (o *ReportOptions) Write(p *plan.Plan, title string) error {
	var errs []error
	outputs := countOutputs(p)
	if o.OutputDir != "" {
		md, js, err := o.writeFiles(p, title)
		if err != nil {
			errs = append(errs, err)
		} else {
			outputs = append(outputs, [2]string{"plan-markdown", md}, [2]string{"plan-json", js})
		}
	}
	if o.SummaryFile != "" {
		if err := appendSummary(o.SummaryFile, p, title); err != nil {
			errs = append(errs, err)
		}
	}
	if o.GitHubOutput != "" {
		if err := appendOutputs(o.GitHubOutput, outputs); err != nil {
			errs = append(errs, err)
		}
	}
	if o.Annotations && o.Out != nil {
		if err := WriteAnnotations(o.Out, title, p); err != nil {
			errs = append(errs, fmt.Errorf("--github-annotations: %w", err))
		}
	}
	return errors.Join(errs...)
}

func (o *ReportOptions) writeFiles(p *plan.Plan, title string) (md, js string, err error) {
	dir, err := filepath.Abs(o.OutputDir)
	if err != nil {
		return "", "", fmt.Errorf("--output-dir: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", fmt.Errorf("--output-dir: %w", err)
	}
	var mb, jb bytes.Buffer
	if err := p.WriteMarkdown(&mb, withMaxBytes(markdownOptions(p, title), fileLimit)); err != nil {
		return "", "", err
	}
	if err := p.WriteJSON(&jb); err != nil {
		return "", "", err
	}
	md, js = filepath.Join(dir, PlanMarkdownFile), filepath.Join(dir, PlanJSONFile)
	for f, b := range map[string][]byte{md: mb.Bytes(), js: jb.Bytes()} {
		if err := os.WriteFile(f, b, 0o644); err != nil {
			return "", "", fmt.Errorf("--output-dir: %w", err)
		}
	}
	return md, js, nil
}

// appendSummary appends the Markdown to file, leaving the step within
// StepSummaryLimit with what it already holds: diffs are left out first (see
// plan.WriteMarkdown), then only the counts are written.
func appendSummary(file string, p *plan.Plan, title string) error {
	var used int64
	if fi, err := os.Stat(file); err == nil {
		used = fi.Size()
	}
	room := StepSummaryLimit - int(used) - 2 // the blank line between summaries
	var b bytes.Buffer
	b.WriteString("\n")
	// MaxBytes 0 would mean the default: a summary with no room must not get it.
	if room < 1 || p.WriteMarkdown(&b, withMaxBytes(markdownOptions(p, title), room-1)) != nil {
		b.Reset()
		line := fmt.Sprintf("\n**%s:** %s (the job summary has no room for more)\n", title, p.SummaryMarkdown())
		if len(line) > room {
			return fmt.Errorf("--summary-file %s: already %d bytes, no room left under GitHub's %d", file, used, StepSummaryLimit)
		}
		b.WriteString(line)
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("--summary-file: %w", err)
	}
	if _, err := f.Write(b.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("--summary-file: %w", err)
	}
	return f.Close()
}

// countOutputs are the plan's counts as step outputs, and whether anything changes.
func countOutputs(p *plan.Plan) [][2]string {
	c := p.Counts()
	n := func(k string, v int) [2]string { return [2]string{k, fmt.Sprint(v)} }
	return [][2]string{n("create", c.Create), n("update", c.Update), n("delete", c.Delete),
		n("unchanged", c.Unchanged), n("failed", c.Failed), n("problems", c.Problems),
		{"changed", fmt.Sprint(c.Create+c.Update+c.Delete > 0)}}
}

// appendOutputs appends name=value lines in GitHub's $GITHUB_OUTPUT format.
func appendOutputs(file string, kv [][2]string) error {
	var b strings.Builder
	for _, e := range kv {
		if strings.ContainsAny(e[1], "\r\n") {
			return fmt.Errorf("--github-output: output %s has a line break", e[0])
		}
		fmt.Fprintf(&b, "%s=%s\n", e[0], e[1])
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("--github-output: %w", err)
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return fmt.Errorf("--github-output: %w", err)
	}
	return f.Close()
}
