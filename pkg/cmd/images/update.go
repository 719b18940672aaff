package images

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/cmd/cmdutil"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
)

// UpdateOptions are the options of `images update`.
type UpdateOptions struct {
	Source source.Options
	// ConfigFile is --config (images.ReadRules).
	ConfigFile string
	Registry   images.RegistrySettings
	Git        images.CommitSettings
	Output     string
	DryRun     bool

	genericiooptions.IOStreams
}

// NewUpdateOptions returns the defaults.
func NewUpdateOptions(f *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *UpdateOptions {
	o := &UpdateOptions{Registry: images.NewRegistrySettings(), Output: "text", IOStreams: streams}
	if f != nil {
		o.Registry.Cluster = f
	}
	return o
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
	fs := cmd.Flags()
	o.Source.AddFlags(fs)
	images.AddConfigFlag(fs, &o.ConfigFile)
	images.AddRegistryFlags(fs, &o.Registry)
	images.AddRegistryScanFlags(fs, &o.Registry)
	images.AddCommitFlags(fs, &o.Git)
	fs.StringVarP(&o.Output, "output", "o", o.Output, "Output format: text or json")
	fs.BoolVar(&o.DryRun, "dry-run", o.DryRun, "Show the changes without writing files")
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

// Run scans, checks, rewrites, and commits/pushes when asked.
func (o *UpdateOptions) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	logger := cmdutil.NewErrorLogger(o.ErrOut)
	src, err := o.Source.Open(ctx, logger)
	if err != nil {
		return err
	}
	defer src.Close()
	if err := o.Git.CheckOpened(src, o.DryRun); err != nil {
		return err
	}
	sc, err := images.ScanSource(src, o.ConfigFile)
	if err != nil {
		return err
	}
	checker, reg, err := o.Registry.Checker(ctx, sc.Rules, sc.Images, logger)
	if err != nil {
		return err
	}
	checker.OnlyAutomated = true // update asks only for what it may change
	results := checker.Check(ctx, sc.Images)
	updates, uerrs := images.Updates(results)
	rep := &images.UpdateReport{SchemaVersion: images.UpdateSchemaVersion, DryRun: o.DryRun, Updates: updates,
		Problems: images.Problems(append(sc.Errs, uerrs...), results)}
	if reg != nil {
		rep.Requests = reg.Stats()
	}
	err = images.ApplyAndCommit(ctx, src, &o.Git, sc.Data, rep, o.DryRun, images.CommitMessage("Update images", updates))
	if perr := rep.Write(o.Out, o.ErrOut, o.Output); perr != nil && err == nil {
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
