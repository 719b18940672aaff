package cmdutil

import (
	"context"
	"log/slog"

	"github.com/spf13/pflag"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
)

// SourceOptions are the source flags of plan and apply: pkg/source's --ref and --path,
// --manifest-generation, and the render limits.
type SourceOptions struct {
	source.Options
}

// AddFlags registers the source flags.
func (o *SourceOptions) AddFlags(fs *pflag.FlagSet) {
	o.Options.AddFlags(fs)
	o.Options.AddManifestGenerationFlag(fs)
	source.AddLimitFlags(fs, &o.Limits)
}

// OpenFor opens the source for a command against target's cluster, once the cluster
// answers (TargetOptions.Reachable), so that nothing is cloned for an unreachable one;
// a nil target is no cluster (an offline plan). Errors exit with ExitFailure. The
// caller closes the source.
func (o *SourceOptions) OpenFor(ctx context.Context, target *TargetOptions, log *slog.Logger) (*Source, error) {
	if target != nil {
		if err := target.Reachable(ctx); err != nil {
			return nil, Exit(ExitFailure, err)
		}
	}
	src, err := o.Open(ctx, log)
	if err != nil {
		return nil, Exit(ExitFailure, err)
	}
	return src, nil
}

// Source is an opened source (see pkg/source).
type Source = source.Source
