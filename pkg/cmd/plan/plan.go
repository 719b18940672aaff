package plan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/cmd/cmdutil"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/engine"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/redact"
)

// Options of `kubectl gitops plan`.
type Options struct {
	Source  cmdutil.SourceOptions
	Target  cmdutil.TargetOptions
	Plan    cmdutil.PlanOptions
	Output  cmdutil.OutputOptions
	Status  cmdutil.StatusOptions
	Comment cmdutil.CommentOptions
	Report  cmdutil.ReportOptions
	Notify  cmdutil.NotifyOptions
	// Base, when set, makes an offline plan: the render of Base against the render of
	// SOURCE, no cluster needed.
	Base string

	flags *genericclioptions.ConfigFlags
	genericiooptions.IOStreams
	Log *slog.Logger
}

// NewCmdPlan returns the plan command.
func NewCmdPlan(f *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams, log *slog.Logger, red *redact.Redactor) *cobra.Command {
	o := &Options{flags: f, IOStreams: streams, Log: log}
	o.Report.Out = streams.Out
	o.Source.Redactor, o.Status.Redactor, o.Notify.Redactor = red, red, red
	o.Notify.Kind, o.Status.Planned = "plan", true
	cmd := &cobra.Command{
		Use:   "plan [SOURCE]",
		Short: "Show what applying a git path would change in the cluster",
		Long: `Plan compares the manifests of SOURCE (a directory, default ".", or a git URL) with the
live cluster and the ApplySet's inventory, and prints one entry per object: create, update,
delete (prune), unchanged or skip, with a diff. Every object is validated by the API server
(server-side dry-run); nothing is written.

With --base REF the plan is offline: the render of REF (e.g. the branch a pull request
goes into) against the render of SOURCE, without a cluster, so it runs in any CI and on
pull requests from forks. Secret values are masked the same way; nothing is validated
by a server.

In CI (docs/action.md): --github-comment posts the plan as the pull request's comment,
--github-status its commit status, --summary-file appends it to the job summary,
--output-dir writes it as Markdown and JSON files, --github-output sets step outputs.

Exit status: 0 no changes, 1 changes, 2 errors (bad input, unreachable cluster).`,
		Example: `  kubectl gitops plan ./deploy
  kubectl gitops plan https://github.com/org/fleet --ref main --path clusters/prod -o markdown
  kubectl gitops plan ./deploy --base main -o markdown   # offline: no cluster (a branch, tag or commit)`,
		Args:          cobra.MaximumNArgs(1),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          cmdutil.RunE(o),
	}
	o.Source.AddFlags(cmd.Flags())
	o.Target.AddFlags(cmd.Flags())
	o.Plan.AddFlags(cmd.Flags())
	o.Output.AddFlags(cmd.Flags())
	o.Status.AddFlags(cmd.Flags(), githubapp.PlanStatusContext)
	o.Comment.AddFlags(cmd.Flags())
	o.Report.AddFlags(cmd.Flags())
	o.Report.AddAnnotationsFlag(cmd.Flags())
	o.Notify.AddFlags(cmd.Flags())
	cmd.Flags().StringVar(&o.Base, "base", "", "offline plan: compare with the render of this git ref instead of the cluster (no cluster needed)")
	return cmd
}

// Complete fills in what the flags leave open.
func (o *Options) Complete(args []string) error {
	if len(args) == 1 {
		o.Source.Source = args[0]
	}
	if o.Base != "" { // no cluster
		return o.Notify.Complete("offline plan against "+o.Base, o.Status.RunURL())
	}
	if err := o.Target.Complete(o.flags); err != nil {
		return err
	}
	return o.Notify.Complete(fmt.Sprintf("ApplySet %s in %s", o.Target.ApplySet, o.Target.ApplySetNamespace), o.Status.RunURL())
}

// Validate checks the options.
func (o *Options) Validate() error {
	if err := o.Comment.Validate(); err != nil {
		return err
	}
	if o.Base != "" {
		return o.Output.Validate()
	}
	if err := o.Target.Validate(); err != nil {
		return err
	}
	return o.Output.Validate()
}

// Run builds and prints the plan. The exit status is 1 when there are changes.
func (o *Options) Run(ctx context.Context) error {
	target := &o.Target
	if o.Base != "" {
		target = nil // offline: no cluster
	}
	src, err := o.Source.OpenFor(ctx, target, o.Log)
	if err != nil {
		return err
	}
	defer src.Close()
	if err := o.complete(src.Revision); err != nil {
		return cmdutil.Exit(cmdutil.ExitFailure, err)
	}
	if o.Base != "" {
		return o.runOffline(ctx, src)
	}
	o.Status.Pending(ctx, "planning", o.Log)
	p, _, err := engine.PlanLive(ctx, o.Target.Conn, o.Target.Engine(o.Plan), src, o.Log)
	return o.finish(ctx, p, err, "kubectl gitops plan")
}

// complete prepares the GitHub calls for the source's revision.
func (o *Options) complete(revision string) error {
	if err := o.Status.Complete(revision, o.Log); err != nil {
		return err
	}
	o.Comment.FullPlan = o.Report.FullPlan(o.Status.RunURL())
	return o.Comment.Complete(&o.Status.GitHubOptions, revision, o.Log)
}

// finish reports the plan (or the error that stopped it) to GitHub, the files and
// the notifications, and prints it; a comment or file that could not be written
// fails the command after the plan is printed.
func (o *Options) finish(ctx context.Context, p *plan.Plan, err error, title string) error {
	if err != nil {
		o.Status.Report(ctx, nil, err, o.Log)
		o.Notify.Report(ctx, nil, err, o.Log)
		return cmdutil.Exit(cmdutil.ExitFailure, err)
	}
	var errs []error
	if err := o.Comment.Post(ctx, p, title); err != nil {
		err = fmt.Errorf("the plan comment could not be written: %w", err)
		o.Status.Report(ctx, nil, err, o.Log)
		errs = append(errs, err)
	} else {
		o.Status.Report(ctx, p, nil, o.Log)
	}
	o.Notify.Report(ctx, p, nil, o.Log)
	if err := o.Report.Write(p, title); err != nil {
		errs = append(errs, err)
	}
	printed := o.print(p)
	if len(errs) > 0 {
		return cmdutil.Exit(cmdutil.ExitFailure, errors.Join(errs...))
	}
	return printed
}

// print writes the plan; the exit status says whether it has problems or changes.
func (o *Options) print(p *plan.Plan) error {
	if err := o.Output.Print(o.Out, p, ""); err != nil {
		return cmdutil.Exit(cmdutil.ExitFailure, err)
	}
	switch {
	case len(p.Problems) > 0:
		return cmdutil.Exit(cmdutil.ExitFailure, nil)
	case p.HasChanges():
		return cmdutil.Exit(cmdutil.ExitChanges, nil)
	}
	return nil
}
