package cmdutil

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// OutputOptions choose how a plan is printed.
type OutputOptions struct {
	Format        string // text, markdown, json
	Color         string // auto, always, never
	ShowUnchanged bool
	NoDiff        bool
}

// AddFlags registers the output flags.
func (o *OutputOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVarP(&o.Format, "output", "o", "text", "output format: text, markdown (PR comments, job summaries) or json (docs/plan-json.md)")
	fs.StringVar(&o.Color, "color", "auto", "color the text output: auto (on a terminal, unless NO_COLOR is set), always, never")
	fs.BoolVar(&o.ShowUnchanged, "show-unchanged", false, "list unchanged objects too")
	fs.BoolVar(&o.NoDiff, "no-diff", false, "omit diffs from the text output")
}

// Validate checks the flags.
func (o *OutputOptions) Validate() error {
	switch o.Format {
	case "text", "markdown", "json":
	default:
		return fmt.Errorf("--output %q: want text, markdown or json", o.Format)
	}
	switch o.Color {
	case "auto", "always", "never":
	default:
		return fmt.Errorf("--color %q: want auto, always or never", o.Color)
	}
	return nil
}

// IsTerminal reports whether w is a terminal that can show colours and redraw lines:
// a TTY, with TERM not "dumb".
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) && os.Getenv("TERM") != "dumb"
}

// Colored says whether text written to w gets ANSI colours under --color mode: always,
// never, or auto — only on a terminal, and never when NO_COLOR is set to anything
// (https://no-color.org). An explicit --color=always wins over NO_COLOR.
func Colored(mode string, w io.Writer) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	return os.Getenv("NO_COLOR") == "" && IsTerminal(w)
}

// Print writes p to w in the chosen format.
func (o *OutputOptions) Print(w io.Writer, p *plan.Plan, title string) error {
	switch o.Format {
	case "json":
		return p.WriteJSON(w)
	case "markdown":
		return p.WriteMarkdown(w, markdownOptions(p, title))
	default:
		return p.WriteText(w, plan.TextOptions{Color: Colored(o.Color, w), ShowUnchanged: o.ShowUnchanged, NoDiff: o.NoDiff})
	}
}
