package images

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/cmd/cmdutil"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
)

// UpdateSchemaVersion versions the JSON of `images update -o json` and `release -o json`.
const UpdateSchemaVersion = "kubectl-gitops.io/images-update/v1"

// UpdateOptions are the options of `images update`.
type UpdateOptions struct {
	Source   SourceOptions
	Registry RegistryOptions
	Git      GitOptions
	Output   string
	DryRun   bool

	flags *genericclioptions.ConfigFlags
	genericiooptions.IOStreams
}

// NewUpdateOptions returns the defaults.
func NewUpdateOptions(f *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *UpdateOptions {
	return &UpdateOptions{Registry: NewRegistryOptions(), Output: "text", flags: f, IOStreams: streams}
}

// NewCmdUpdate returns `kubectl gitops images update [SOURCE]`.
func NewCmdUpdate(f *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewUpdateOptions(f, streams)
	cmd := &cobra.Command{
		Use:   "update [SOURCE]",
		Short: "Rewrite the manifests to the newest tags their policies allow",
		Long: `Rewrite automated images to the newest tags their policies allow. Only the bytes of
each tag change: comments, key order, quoting and layout are kept.

An image whose registry is down, slow or refuses access is listed as a problem and
the others are still updated; the command then exits non-zero.`,
		Example: `  # Update the working tree and show what changed
  kubectl gitops images update

  # Commit with [ci skip] and push to the branch checked out
  kubectl gitops images update --push --git-ci-skip

  # Clone, update, commit and push a remote repository; print JSON for a bot
  kubectl gitops images update https://github.com/acme/fleet --ref main --push -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: cmdutil.RunE(o),
	}
	o.Source.AddFlags(cmd)
	o.Registry.AddFlags(cmd)
	o.Git.AddFlags(cmd)
	cmd.Flags().StringVarP(&o.Output, "output", "o", o.Output, "Output format: text or json")
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", o.DryRun, "Show the changes without writing files")
	return cmd
}

// Complete takes the source argument and applies flag implications.
func (o *UpdateOptions) Complete(args []string) error {
	if len(args) == 1 {
		o.Source.Source = args[0]
	}
	o.Git.Complete()
	return nil
}

// Validate checks the flags.
func (o *UpdateOptions) Validate() error {
	if o.Output != "text" && o.Output != "json" {
		return fmt.Errorf("--output %q: want text or json", o.Output)
	}
	if err := o.Git.Validate(&o.Source, o.DryRun); err != nil {
		return err
	}
	return o.Registry.Validate()
}

// UpdateReport is the JSON form of `images update` and `release`.
type UpdateReport struct {
	SchemaVersion string             `json:"schemaVersion"`
	DryRun        bool               `json:"dryRun,omitempty"`
	Updates       []images.Update    `json:"updates"`
	Files         []string           `json:"files"` // changed files, relative to the source root
	Commit        string             `json:"commit,omitempty"`
	PushedBranch  string             `json:"pushedBranch,omitempty"`
	Skipped       []images.Problem   `json:"skipped,omitempty"`
	Problems      []images.Problem   `json:"problems,omitempty"`
	Requests      []images.HostStats `json:"requests,omitempty"`
}

// Run scans, checks, rewrites, and commits/pushes when asked.
func (o *UpdateOptions) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	logger := NewLogger(o.ErrOut)
	src, err := o.Source.Open(ctx, logger)
	if err != nil {
		return err
	}
	defer src.Close()
	if err := o.Git.CheckOpened(src, o.DryRun); err != nil {
		return err
	}
	sc, err := ScanSource(&o.Source, src)
	if err != nil {
		return err
	}
	checker, reg, err := o.Registry.Checker(ctx, o.flags, sc.Rules, sc.Images, logger)
	if err != nil {
		return err
	}
	checker.OnlyAutomated = true // update asks only for what it may change
	results := checker.Check(ctx, sc.Images)
	updates, uerrs := images.Updates(results)
	rep := &UpdateReport{SchemaVersion: UpdateSchemaVersion, DryRun: o.DryRun, Updates: updates,
		Problems: images.Problems(append(sc.Errs, uerrs...), results)}
	if reg != nil {
		rep.Requests = reg.Stats()
	}
	err = ApplyAndCommit(ctx, src, &o.Git, sc.Data, rep, o.DryRun, images.CommitMessage("Update images", updates))
	if perr := PrintReport(o.IOStreams, o.Output, rep); perr != nil && err == nil {
		err = perr
	}
	if err != nil {
		return err
	}
	if len(rep.Problems) > 0 {
		return fmt.Errorf("%d problem(s); the other images were handled", len(rep.Problems))
	}
	return nil
}

// ApplyAndCommit rewrites the files of rep.Updates, writes them (unless dryRun), and
// commits/pushes as git asks, filling in rep. Nothing is written when any rewrite fails.
func ApplyAndCommit(ctx context.Context, src *source.Source, g *GitOptions, data map[string][]byte, rep *UpdateReport, dryRun bool, msg string) error {
	if rep.Updates == nil {
		rep.Updates = []images.Update{}
	}
	changed, err := images.Apply(data, rep.Updates)
	if err != nil {
		return err
	}
	rep.Files = sortedKeys(changed)
	if dryRun || len(changed) == 0 {
		return nil
	}
	written, err := src.WriteFiles(changed)
	if err != nil {
		return err
	}
	rep.Commit, rep.PushedBranch, err = g.Finish(ctx, src, written, msg)
	return err
}

// PrintReport prints rep as text or JSON.
func PrintReport(streams genericiooptions.IOStreams, output string, rep *UpdateReport) error {
	if output == "json" {
		enc := json.NewEncoder(streams.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printUpdates(streams.Out, rep)
	printProblems(streams.ErrOut, rep.Problems)
	return nil
}

func printUpdates(w io.Writer, rep *UpdateReport) {
	if len(rep.Updates) == 0 {
		fmt.Fprintln(w, "No image to update.")
	} else {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, u := range rep.Updates {
			obj := "-"
			if u.Object != nil {
				obj = u.Object.String()
			}
			fmt.Fprintf(tw, "%s:%d\t%s\t%s\t%s -> %s\n", u.File, u.Line, obj, dash(u.Container), u.From, u.To)
		}
		tw.Flush()
		verb := "Updated"
		if rep.DryRun {
			verb = "Would update"
		}
		fmt.Fprintf(w, "%s %d image(s) in %d file(s).\n", verb, len(rep.Updates), len(rep.Files))
	}
	for _, s := range rep.Skipped {
		fmt.Fprintf(w, "Skipped %s\n", s)
	}
	if rep.Commit != "" {
		fmt.Fprintf(w, "Committed %s.\n", rep.Commit)
	}
	if rep.PushedBranch != "" {
		fmt.Fprintf(w, "Pushed to %s.\n", rep.PushedBranch)
	}
}
