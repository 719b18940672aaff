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

// ListOptions are the options of `images list`.
type ListOptions struct {
	cmdutil.ImageSourceOptions
	Output string

	genericiooptions.IOStreams
}

// NewListOptions returns the defaults.
func NewListOptions(f *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *ListOptions {
	return &ListOptions{ImageSourceOptions: cmdutil.NewImageSourceOptions(f), Output: "table", IOStreams: streams}
}

// NewCmdList returns `kubectl gitops images list [SOURCE]`.
func NewCmdList(f *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewListOptions(f, streams)
	cmd := &cobra.Command{
		Use:   "list [SOURCE]",
		Short: "List every image reference with its file, line, policy and the newest tag the policy allows",
		Example: `  # Images of the manifests in the current directory
  kubectl gitops images list

  # Of a repository's clusters/prod directory, as JSON, without asking registries
  kubectl gitops images list https://github.com/acme/fleet --path clusters/prod -o json --registry-disable-scanning`,
		Args: cobra.MaximumNArgs(1),
		RunE: cmdutil.RunE(o),
	}
	fs := cmd.Flags()
	o.AddFlags(fs)
	fs.StringVarP(&o.Output, "output", "o", o.Output, "Output format: table or json")
	return cmd
}

// Complete is cmdutil.ImageSourceOptions'.

// Validate checks the flags.
func (o *ListOptions) Validate() error {
	if o.Output != "table" && o.Output != "json" {
		return fmt.Errorf("--output %q: want table or json", o.Output)
	}
	return o.Registry.Validate()
}

// Run scans, checks and prints.
func (o *ListOptions) Run(ctx context.Context) error {
	c, err := o.OpenChecked(ctx, cmdutil.NewErrorLogger(o.ErrOut))
	if err != nil {
		return err
	}
	defer c.Source.Close()
	rep := images.ListReport{Images: c.Results, Problems: images.Problems(c.Scanned.Errs, c.Results), Requests: c.Requests}
	if rep.Images == nil {
		rep.Images = []images.Result{}
	}
	if o.Output == "json" {
		return rep.WriteJSON(o.Out)
	}
	rep.WriteText(o.Out, o.ErrOut)
	return nil
}
