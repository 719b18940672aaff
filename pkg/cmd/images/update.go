package images

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/cmd/cmdutil"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
)

// UpdateOptions are the options of `images update`.
type UpdateOptions struct {
	cmdutil.ImageEditOptions

	genericiooptions.IOStreams
}

// NewUpdateOptions returns the defaults.
func NewUpdateOptions(f *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *UpdateOptions {
	return &UpdateOptions{ImageEditOptions: cmdutil.NewImageEditOptions(f), IOStreams: streams}
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
	o.AddFlags(cmd.Flags())
	return cmd
}

// Complete and Validate are cmdutil.ImageEditOptions'.

// Run scans, checks, rewrites, and commits/pushes when asked.
func (o *UpdateOptions) Run(ctx context.Context) error {
	c, err := o.OpenChecked(ctx, cmdutil.NewErrorLogger(o.ErrOut))
	if err != nil {
		return err
	}
	defer c.Source.Close()
	updates, uerrs := images.Updates(c.Results)
	rep := &images.UpdateReport{SchemaVersion: images.UpdateSchemaVersion, DryRun: o.DryRun, Updates: updates,
		Problems: images.Problems(append(c.Scanned.Errs, uerrs...), c.Results), Requests: c.Requests}
	if err := o.ApplyAndReport(ctx, c.Source, c.Scanned, rep, images.CommitMessage("Update images", updates), o.Out, o.ErrOut); err != nil {
		return err
	}
	if len(rep.Problems) > 0 {
		return fmt.Errorf("%d problem(s); the other images were handled", len(rep.Problems))
	}
	return nil
}
