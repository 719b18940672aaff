package status

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/cmd/cmdutil"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
)

// Options of `kubectl gitops status`.
type Options struct {
	Target  cmdutil.TargetOptions
	Members bool
	Output  string

	flags *genericclioptions.ConfigFlags
	genericiooptions.IOStreams
	Log *slog.Logger
}

// NewCmdStatus returns the status command.
func NewCmdStatus(f *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams, log *slog.Logger) *cobra.Command {
	o := &Options{flags: f, IOStreams: streams, Log: log}
	cmd := &cobra.Command{
		Use:           "status",
		Short:         "Show the last applied commit and the inventory of an ApplySet",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Target.Complete(o.flags); err != nil {
				return cmdutil.Exit(cmdutil.ExitFailure, err)
			}
			if o.Output != "text" && o.Output != "json" {
				return cmdutil.Exit(cmdutil.ExitFailure, fmt.Errorf("--output %q: want text or json", o.Output))
			}
			return o.Run(cmd.Context())
		},
	}
	o.Target.AddFlags(cmd.Flags())
	cmd.Flags().BoolVar(&o.Members, "members", false, "list every member, not only counts per kind")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "text", "text or json")
	return cmd
}

// Report is the JSON form of the status.
type Report struct {
	ApplySet   string         `json:"applySet"`
	ID         string         `json:"id"`
	Exists     bool           `json:"exists"`
	Revision   string         `json:"revision,omitempty"`
	AppliedAt  *time.Time     `json:"appliedAt,omitempty"`
	Summary    string         `json:"summary,omitempty"`
	Source     string         `json:"source,omitempty"`
	Namespaces []string       `json:"namespaces"`
	Kinds      map[string]int `json:"kinds"`
	Members    []object.ID    `json:"members,omitempty"`
}

// Run prints the status.
func (o *Options) Run(ctx context.Context) error {
	if err := o.Target.Reachable(ctx); err != nil {
		return cmdutil.Exit(cmdutil.ExitFailure, err)
	}
	store := o.Target.Conn.Store
	inv, err := store.Get(ctx)
	if err != nil {
		return cmdutil.Exit(cmdutil.ExitFailure, err)
	}
	r := Report{ApplySet: store.Parent().String(), ID: store.Parent().ID(), Exists: inv.Exists,
		Revision: inv.Revision, Summary: inv.Summary, Source: inv.Source, Namespaces: inv.Namespaces, Kinds: map[string]int{}}
	if !inv.AppliedAt.IsZero() {
		r.AppliedAt = &inv.AppliedAt
	}
	members, _, err := store.Members(ctx, inv, o.Target.Conn.Cluster.Mapper, nil)
	if err != nil {
		return cmdutil.Exit(cmdutil.ExitFailure, err)
	}
	for _, m := range members {
		id := m.ID
		r.Kinds[id.GroupKind().String()]++
		if o.Members {
			r.Members = append(r.Members, id)
		}
	}
	sort.Slice(r.Members, func(i, j int) bool { return r.Members[i].Less(r.Members[j]) })
	if o.Output == "json" {
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return o.printText(r)
}

func (o *Options) printText(r Report) error {
	w := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "ApplySet:\t%s (%s)\n", r.ApplySet, r.ID)
	if !r.Exists {
		fmt.Fprintf(w, "State:\tnever applied\n")
		return w.Flush()
	}
	rev := r.Revision
	if rev == "" {
		rev = "(none: not a git source, or no complete apply yet)"
	}
	fmt.Fprintf(w, "Last applied revision:\t%s\n", rev)
	if r.AppliedAt != nil {
		fmt.Fprintf(w, "Last applied at:\t%s (%s ago)\n", r.AppliedAt.Format(time.RFC3339), time.Since(*r.AppliedAt).Round(time.Second))
	}
	fmt.Fprintf(w, "Last result:\t%s\n", r.Summary)
	fmt.Fprintf(w, "Source:\t%s\n", r.Source)
	fmt.Fprintf(w, "Namespaces:\t%v\n", r.Namespaces)
	kinds := make([]string, 0, len(r.Kinds))
	total := 0
	for k, n := range r.Kinds {
		kinds = append(kinds, k)
		total += n
	}
	sort.Strings(kinds)
	fmt.Fprintf(w, "Members:\t%d\n", total)
	for _, k := range kinds {
		fmt.Fprintf(w, "  %s\t%d\n", k, r.Kinds[k])
	}
	for _, m := range r.Members {
		fmt.Fprintf(w, "  - %s\n", m)
	}
	return w.Flush()
}
