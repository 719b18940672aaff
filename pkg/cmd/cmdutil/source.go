package cmdutil

import (
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

// Source is an opened source (see pkg/source).
type Source = source.Source
