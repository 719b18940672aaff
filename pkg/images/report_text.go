package images

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteText writes the report for a terminal: a table of the images to w, the
// problems, one a line under a heading, to problems.
func (r *ListReport) WriteText(w, problems io.Writer) {
	if len(r.Images) == 0 {
		fmt.Fprintln(w, "No images found.")
	} else {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SOURCE\tOBJECT\tCONTAINER\tIMAGE\tPOLICY\tLATEST\tSTATUS")
		for _, res := range r.Images {
			obj := "-"
			if res.Object != nil {
				obj = res.Object.String()
			}
			fmt.Fprintf(tw, "%s:%d\t%s\t%s\t%s\t%s\t%s\t%s\n", res.File, res.Line, obj, dash(res.Container), res.Value,
				dash(policyColumn(res)), dash(res.Latest), res.Status)
		}
		tw.Flush()
	}
	writeProblems(problems, r.Problems)
}

// WriteText writes the report for a terminal: the updates, skips, commit and push to
// w, the problems, one a line under a heading, to problems.
func (r *UpdateReport) WriteText(w, problems io.Writer) {
	if len(r.Updates) == 0 {
		fmt.Fprintln(w, "No image to update.")
	} else {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, u := range r.Updates {
			obj := "-"
			if u.Object != nil {
				obj = u.Object.String()
			}
			fmt.Fprintf(tw, "%s:%d\t%s\t%s\t%s -> %s\n", u.File, u.Line, obj, dash(u.Container), u.From, u.To)
		}
		tw.Flush()
		verb := "Updated"
		if r.DryRun {
			verb = "Would update"
		}
		fmt.Fprintf(w, "%s %d image(s) in %d file(s).\n", verb, len(r.Updates), len(r.Files))
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(w, "Skipped %s\n", s)
	}
	if r.Commit != "" {
		fmt.Fprintf(w, "Committed %s.\n", r.Commit)
	}
	if r.PushedBranch != "" {
		fmt.Fprintf(w, "Pushed to %s.\n", r.PushedBranch)
	}
	writeProblems(problems, r.Problems)
}

// writeProblems lists problems, one a line, under a heading (nothing when none).
func writeProblems(w io.Writer, problems []Problem) {
	if len(problems) == 0 {
		return
	}
	fmt.Fprintf(w, "%d problem(s):\n", len(problems))
	for _, p := range problems {
		fmt.Fprintf(w, "  %s\n", p)
	}
}

// policyColumn is the policy of a result as the list table shows it.
func policyColumn(r Result) string {
	p := r.Policy
	if p == "" {
		return ""
	}
	if r.Locked {
		p += " (locked)"
	} else if !r.Automated && r.Field != FieldName {
		p += " (not automated)"
	}
	return p
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
