package version

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/cmd/cmdutil"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/version"
)

// Options of `kubectl gitops version`.
type Options struct {
	Output string

	info version.Info
	genericiooptions.IOStreams
}

// NewCmdVersion returns the version command.
func NewCmdVersion(streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{Output: "text", IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date of this plugin",
		Example: `  kubectl gitops version
  kubectl gitops version -o json`,
		Args: cobra.NoArgs,
		RunE: cmdutil.RunE(o),
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", o.Output, "Output format: text or json")
	return cmd
}

// Register adds `version` to root and gives root its --version.
func Register(root *cobra.Command, streams genericiooptions.IOStreams) {
	root.Version = version.Get().String()
	root.AddCommand(NewCmdVersion(streams))
}

// Complete reads this binary's identity.
func (o *Options) Complete([]string) error {
	o.info = version.Get()
	return nil
}

// Validate checks the output format.
func (o *Options) Validate() error {
	if o.Output != "text" && o.Output != "json" {
		return fmt.Errorf("--output %q: want text or json", o.Output)
	}
	return nil
}

// Run prints the identity.
func (o *Options) Run(context.Context) error {
	if o.Output == "json" {
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(o.info)
	}
	w := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "Version:\t%s\n", o.info.Version)
	fmt.Fprintf(w, "Commit:\t%s\n", o.info.Commit)
	fmt.Fprintf(w, "Date:\t%s\n", o.info.Date)
	fmt.Fprintf(w, "Go version:\t%s\n", o.info.GoVersion)
	fmt.Fprintf(w, "Platform:\t%s\n", o.info.Platform)
	return w.Flush()
}
