package images

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/cmd/cmdutil"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
)

// ListOptions are the options of `images list`.
type ListOptions struct {
	Source   SourceOptions
	Registry RegistryOptions
	Output   string

	flags *genericclioptions.ConfigFlags
	genericiooptions.IOStreams
}

// NewListOptions returns the defaults.
func NewListOptions(f *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *ListOptions {
	return &ListOptions{Registry: NewRegistryOptions(), Output: "table", flags: f, IOStreams: streams}
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
	o.Source.AddFlags(cmd)
	o.Registry.AddFlags(cmd)
	cmd.Flags().StringVarP(&o.Output, "output", "o", o.Output, "Output format: table or json")
	return cmd
}

// Complete takes the source argument.
func (o *ListOptions) Complete(args []string) error {
	if len(args) == 1 {
		o.Source.Source = args[0]
	}
	return nil
}

// Validate checks the flags.
func (o *ListOptions) Validate() error {
	if o.Output != "table" && o.Output != "json" {
		return fmt.Errorf("--output %q: want table or json", o.Output)
	}
	return o.Registry.Validate()
}

// ListReport is the JSON form of `images list`.
type ListReport struct {
	Images   []images.Result    `json:"images"`
	Problems []images.Problem   `json:"problems,omitempty"`
	Requests []images.HostStats `json:"requests,omitempty"`
}

// Run scans, checks and prints.
func (o *ListOptions) Run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	logger := NewLogger(o.ErrOut)
	src, err := o.Source.Open(ctx, logger)
	if err != nil {
		return err
	}
	defer src.Close()
	sc, err := ScanSource(&o.Source, src)
	if err != nil {
		return err
	}
	checker, reg, err := o.Registry.Checker(ctx, o.flags, sc.Rules, sc.Images, logger)
	if err != nil {
		return err
	}
	results := checker.Check(ctx, sc.Images)
	rep := ListReport{Images: results, Problems: images.Problems(sc.Errs, results)}
	if reg != nil {
		rep.Requests = reg.Stats()
	}
	if rep.Images == nil {
		rep.Images = []images.Result{}
	}
	if o.Output == "json" {
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	o.printTable(results)
	printProblems(o.ErrOut, rep.Problems)
	return nil
}

func (o *ListOptions) printTable(results []images.Result) {
	if len(results) == 0 {
		fmt.Fprintln(o.Out, "No images found.")
		return
	}
	w := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SOURCE\tOBJECT\tCONTAINER\tIMAGE\tPOLICY\tLATEST\tSTATUS")
	for _, r := range results {
		obj := "-"
		if r.Object != nil {
			obj = r.Object.String()
		}
		fmt.Fprintf(w, "%s:%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.File, r.Line, obj, dash(r.Container), r.Value,
			dash(policyColumn(r)), dash(r.Latest), r.Status)
	}
	w.Flush()
}

func policyColumn(r images.Result) string {
	p := r.Policy
	if p == "" {
		return ""
	}
	if r.Locked {
		p += " (locked)"
	} else if !r.Automated && r.Field != images.FieldName {
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
