package images

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// NewCmdImages returns `kubectl gitops images` with its list and update subcommands.
func NewCmdImages(f *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "images",
		Short: "List and update the container images of the manifests in git",
		Long: `List and update the container images the manifests use.

Images are found in workloads (Deployments, StatefulSets, DaemonSets, Jobs, CronJobs,
Pods, ...) including init containers, in HelmRelease values, and in any YAML field
carrying a marker comment such as  # {"$imagepolicy": "my-policy"}.

Policies come from Flux v1 workload annotations (fluxcd.io/automated,
fluxcd.io/tag.<container>, fluxcd.io/locked) and from the images: section of
.gitops.yaml. Only tag lists are read from registries: never a manifest per tag.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(NewCmdList(f, streams), NewCmdUpdate(f, streams))
	return cmd
}
