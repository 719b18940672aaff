package cmd

import (
	"io"
	"log/slog"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	applycmd "github.com/kubectl-gitops/kubectl-gitops/pkg/cmd/apply"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/cmd/cmdutil"
	completioncmd "github.com/kubectl-gitops/kubectl-gitops/pkg/cmd/completion"
	imagescmd "github.com/kubectl-gitops/kubectl-gitops/pkg/cmd/images"
	plancmd "github.com/kubectl-gitops/kubectl-gitops/pkg/cmd/plan"
	releasecmd "github.com/kubectl-gitops/kubectl-gitops/pkg/cmd/release"
	statuscmd "github.com/kubectl-gitops/kubectl-gitops/pkg/cmd/status"
	versioncmd "github.com/kubectl-gitops/kubectl-gitops/pkg/cmd/version"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/engine"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/redact"
)

// NewRoot returns the root command with every subcommand, writing to streams.
func NewRoot(streams genericiooptions.IOStreams) *cobra.Command {
	flags := engine.NewConfigFlags(true)
	var verbose bool
	// One redactor per run: it learns the secret values of the render while loading,
	// and every log line and every error is redacted with it.
	red := redact.New()
	log := slog.New(red.Handler(slog.NewTextHandler(io.Discard, nil)))
	root := &cobra.Command{
		Use:   "kubectl-gitops",
		Short: "GitOps for kubectl: plan and apply a git path, with garbage collection and image automation",
		Long: `kubectl gitops treats git as the source of truth for a cluster.

  plan     what applying a git path would change (nothing is written)
  apply    apply it: staged server-side apply, pruning, commit statuses
  status   the last applied commit and the inventory of an ApplySet
  images   scan registries and update image tags in manifests
  release  bump the image of one workload in git`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: DisplayName},
	}
	root.PersistentPreRun = func(*cobra.Command, []string) {
		level := slog.LevelInfo
		if verbose {
			level = slog.LevelDebug
		}
		*log = *slog.New(red.Handler(slog.NewTextHandler(streams.ErrOut, &slog.HandlerOptions{Level: level})))
		slog.SetDefault(log)
	}
	root.PersistentFlags().BoolVarP(&verbose, "verbose", "v", false, "debug logging")
	flags.AddFlags(root.PersistentFlags())
	gitrepo.AddFlags(root.PersistentFlags())
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.AddCommand(
		plancmd.NewCmdPlan(flags, streams, log, red),
		applycmd.NewCmdApply(flags, streams, log, red),
		statuscmd.NewCmdStatus(flags, streams, log),
		completioncmd.NewCmdCompletion(streams.Out),
	)
	root.AddCommand(
		imagescmd.NewCmdImages(flags, streams),
		releasecmd.NewCmdRelease(flags, streams),
	)
	versioncmd.Register(root, streams)
	for _, c := range root.Commands() {
		if run := c.RunE; run != nil {
			c.RunE = func(cmd *cobra.Command, args []string) error { return cmdutil.Redacted(red, run(cmd, args)) }
		}
	}
	cmdutil.RegisterCompletions(root, flags)
	return root
}

// DisplayName is how help and usage name the plugin: as kubectl users call it.
const DisplayName = "kubectl gitops"
