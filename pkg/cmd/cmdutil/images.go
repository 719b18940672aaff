package cmdutil

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
)

// ImageSourceOptions are the flags of the image commands (images list, images update,
// release) that say what to scan: the source, --config and the registry settings.
type ImageSourceOptions struct {
	Source source.Options
	// ConfigFile is --config (images.ReadRules).
	ConfigFile string
	Registry   images.RegistrySettings
}

// NewImageSourceOptions returns the defaults; cluster credentials come from the
// cluster the kube flags f name (f may be nil).
func NewImageSourceOptions(f *genericclioptions.ConfigFlags) ImageSourceOptions {
	o := ImageSourceOptions{Registry: images.NewRegistrySettings()}
	if f != nil {
		o.Registry.Cluster = f
	}
	return o
}

// AddFlags registers the source, --config and registry flags.
func (o *ImageSourceOptions) AddFlags(fs *pflag.FlagSet) {
	o.Source.AddFlags(fs)
	images.AddConfigFlag(fs, &o.ConfigFile)
	images.AddRegistryFlags(fs, &o.Registry)
	images.AddRegistryScanFlags(fs, &o.Registry)
}

// Complete takes the optional SOURCE argument.
func (o *ImageSourceOptions) Complete(args []string) error {
	if len(args) == 1 {
		o.Source.Source = args[0]
	}
	return nil
}

// Open opens the source and scans it (images.ScanSource). The caller closes the source.
func (o *ImageSourceOptions) Open(ctx context.Context, log *slog.Logger) (*source.Source, *images.Scanned, error) {
	return o.open(ctx, log, nil)
}

// open is Open with check run on the opened source before the scan, when not nil; on
// an error the source is closed.
func (o *ImageSourceOptions) open(ctx context.Context, log *slog.Logger, check func(*source.Source) error) (*source.Source, *images.Scanned, error) {
	src, err := o.Source.Open(ctx, log)
	if err != nil {
		return nil, nil, err
	}
	if check != nil {
		if err := check(src); err != nil {
			src.Close()
			return nil, nil, err
		}
	}
	sc, err := images.ScanSource(src, o.ConfigFile)
	if err != nil {
		src.Close()
		return nil, nil, err
	}
	return src, sc, nil
}

// CheckedImages is an opened, scanned source whose images were checked against their
// registries.
type CheckedImages struct {
	Source  *source.Source
	Scanned *images.Scanned
	Results []images.Result
	// Requests are the requests each registry host answered (nil when scanning is off).
	Requests []images.HostStats
}

// OpenChecked opens and scans the source as Open does, then checks every image against
// its registry (images.RegistrySettings.Checker). The caller closes c.Source.
func (o *ImageSourceOptions) OpenChecked(ctx context.Context, log *slog.Logger) (*CheckedImages, error) {
	return o.openChecked(ctx, log, nil, false)
}

// openChecked is OpenChecked with open's check, asking only for the automated images
// when onlyAutomated; on an error the source is closed.
func (o *ImageSourceOptions) openChecked(ctx context.Context, log *slog.Logger, check func(*source.Source) error, onlyAutomated bool) (*CheckedImages, error) {
	src, sc, err := o.open(ctx, log, check)
	if err != nil {
		return nil, err
	}
	checker, reg, err := o.Registry.Checker(ctx, sc.Rules, sc.Images, log)
	if err != nil {
		src.Close()
		return nil, err
	}
	checker.OnlyAutomated = onlyAutomated
	c := &CheckedImages{Source: src, Scanned: sc, Results: checker.Check(ctx, sc.Images)}
	if reg != nil {
		c.Requests = reg.Stats()
	}
	return c, nil
}

// ImageEditOptions are the flags of the image commands that rewrite manifests (images
// update, release): what to scan, the git commit flags, --dry-run and --output (text
// or json).
type ImageEditOptions struct {
	ImageSourceOptions
	Git    images.CommitSettings
	DryRun bool
	Output string
}

// NewImageEditOptions returns the defaults (see NewImageSourceOptions).
func NewImageEditOptions(f *genericclioptions.ConfigFlags) ImageEditOptions {
	return ImageEditOptions{ImageSourceOptions: NewImageSourceOptions(f), Output: "text"}
}

// AddFlags registers the flags of ImageSourceOptions, the commit flags, --dry-run and
// --output.
func (o *ImageEditOptions) AddFlags(fs *pflag.FlagSet) {
	o.ImageSourceOptions.AddFlags(fs)
	images.AddCommitFlags(fs, &o.Git)
	fs.StringVarP(&o.Output, "output", "o", o.Output, "Output format: text or json")
	fs.BoolVar(&o.DryRun, "dry-run", o.DryRun, "Show the changes without writing files")
}

// Complete takes the optional SOURCE argument and applies the commit flags'
// implications.
func (o *ImageEditOptions) Complete(args []string) error {
	if err := o.ImageSourceOptions.Complete(args); err != nil {
		return err
	}
	o.Git.Complete()
	return nil
}

// Validate checks the flags.
func (o *ImageEditOptions) Validate() error {
	if o.Output != "text" && o.Output != "json" {
		return fmt.Errorf("--output %q: want text or json", o.Output)
	}
	if err := o.Git.Validate(&o.Source, o.DryRun); err != nil {
		return err
	}
	return o.Registry.Validate()
}

// Open opens the source, checks that the commit flags suit it, and scans it. The caller
// closes the source.
func (o *ImageEditOptions) Open(ctx context.Context, log *slog.Logger) (*source.Source, *images.Scanned, error) {
	return o.open(ctx, log, o.checkOpened)
}

// OpenChecked opens and scans the source as Open does, then checks the automated images
// only (what an edit may change) against their registries. The caller closes c.Source.
func (o *ImageEditOptions) OpenChecked(ctx context.Context, log *slog.Logger) (*CheckedImages, error) {
	return o.openChecked(ctx, log, o.checkOpened, true)
}

// checkOpened checks that the commit flags suit the opened source.
func (o *ImageEditOptions) checkOpened(src *source.Source) error {
	return o.Git.CheckOpened(src, o.DryRun)
}

// ApplyAndReport writes rep's updates into the scanned files, commits and pushes them
// as the flags say (images.ApplyAndCommit, with message), then prints rep to out in
// the --output format (problems to errOut). The first error is returned.
func (o *ImageEditOptions) ApplyAndReport(ctx context.Context, src *source.Source, sc *images.Scanned, rep *images.UpdateReport, message string, out, errOut io.Writer) error {
	err := images.ApplyAndCommit(ctx, src, &o.Git, sc.Data, rep, o.DryRun, message)
	if perr := rep.Write(out, errOut, o.Output); perr != nil && err == nil {
		err = perr
	}
	return err
}
