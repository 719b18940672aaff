package release

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/cmd/cmdutil"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
)

// Options are the options of `release`.
type Options struct {
	cmdutil.ImageEditOptions

	Workloads   []string
	All         bool
	UpdateImage string
	Containers  []string
	Force       bool
	Verify      bool

	// Namespace applies to workloads named without one (-n; default "default").
	Namespace string

	spec  images.ReleaseSpec
	flags *genericclioptions.ConfigFlags
	genericiooptions.IOStreams
}

// NewOptions returns the defaults.
func NewOptions(f *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *Options {
	return &Options{ImageEditOptions: cmdutil.NewImageEditOptions(f), Verify: true, flags: f, IOStreams: streams}
}

// NewCmdRelease returns `kubectl gitops release [SOURCE]`.
func NewCmdRelease(f *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(f, streams)
	cmd := &cobra.Command{
		Use:   "release [SOURCE] (--workload KIND/NAME ... | --all) --update-image REPOSITORY:TAG",
		Short: "Set an image on workloads by editing git (the fluxctl release equivalent)",
		Long: `Set an image tag (or digest) on the named workloads, or on every workload that uses
the image's repository with --all, by rewriting the manifests in git. The cluster is
not touched: apply the commit as usual. Only the bytes of the tag change.

Locked workloads (fluxcd.io/locked: "true") are refused when named and skipped with
--all, unless --force. The tag must exist in the registry unless --verify=false.`,
		Example: `  # Release podinfo 6.2.0 to one Deployment, commit and push
  kubectl gitops release --workload deployment/podinfo -n demo --update-image ghcr.io/stefanprodan/podinfo:6.2.0 --push

  # fluxctl's namespace:kind/name form, and every workload using the image
  kubectl gitops release --workload demo:deployment/podinfo --update-image ghcr.io/stefanprodan/podinfo:6.2.0
  kubectl gitops release --all --update-image ghcr.io/stefanprodan/podinfo:6.2.0 --dry-run`,
		Args: cobra.MaximumNArgs(1),
		RunE: cmdutil.RunE(o),
	}
	fs := cmd.Flags()
	o.ImageEditOptions.AddFlags(fs)
	fs.StringSliceVar(&o.Workloads, "workload", o.Workloads, "Workload to release to, as kind/name or namespace:kind/name (repeatable)")
	fs.BoolVar(&o.All, "all", o.All, "Release to every workload using the image's repository")
	fs.StringVar(&o.UpdateImage, "update-image", o.UpdateImage, "Image to set: repository:tag, repository@digest or repository:tag@digest")
	fs.StringSliceVar(&o.Containers, "container", o.Containers, "Only change these containers (repeatable)")
	fs.BoolVar(&o.Force, "force", o.Force, "Release to locked workloads too")
	fs.BoolVar(&o.Verify, "verify", o.Verify, "Check that the tag exists in the registry first")
	return cmd
}

// Complete takes the source argument, the namespace and parses the image and workloads.
func (o *Options) Complete(args []string) error {
	if err := o.ImageEditOptions.Complete(args); err != nil {
		return err
	}
	if o.Namespace == "" && o.flags != nil && o.flags.Namespace != nil {
		o.Namespace = *o.flags.Namespace
	}
	if o.Namespace == "" {
		o.Namespace = images.DefaultNamespace
	}
	if o.UpdateImage == "" {
		return errors.New("--update-image is required (e.g. ghcr.io/acme/app:1.2.3)")
	}
	ref, err := images.ParseReference(o.UpdateImage)
	if err != nil {
		return fmt.Errorf("--update-image: %w", err)
	}
	o.spec = images.ReleaseSpec{Image: ref, All: o.All, Containers: o.Containers, Force: o.Force}
	var errs []error
	for _, w := range o.Workloads {
		ws, err := images.ParseWorkload(w, o.Namespace)
		if err != nil {
			errs = append(errs, fmt.Errorf("--workload: %w", err))
			continue
		}
		o.spec.Workloads = append(o.spec.Workloads, ws)
	}
	return errors.Join(errs...)
}

// Validate checks the flags.
func (o *Options) Validate() error {
	if o.All == (len(o.Workloads) > 0) {
		return errors.New("give --workload (repeatable) or --all")
	}
	if o.spec.Image.Tag == "" && o.spec.Image.Digest == "" {
		return fmt.Errorf("--update-image %s: give a tag or a digest", o.UpdateImage)
	}
	return o.ImageEditOptions.Validate()
}

// Run edits the manifests (and commits/pushes when asked).
func (o *Options) Run(ctx context.Context) error {
	src, sc, err := o.Open(ctx, cmdutil.NewErrorLogger(o.ErrOut))
	if err != nil {
		return err
	}
	defer src.Close()
	res, err := images.Release(sc.Images, o.spec)
	if err != nil {
		return err
	}
	rep := &images.UpdateReport{SchemaVersion: images.UpdateSchemaVersion, DryRun: o.DryRun, Updates: res.Updates, Skipped: res.Skipped}
	if o.Verify && o.spec.Image.Tag != "" && !o.Registry.DisableScanning && len(res.Updates) > 0 {
		if err := o.verify(ctx, sc); err != nil {
			return err
		}
	}
	return o.ApplyAndReport(ctx, src, sc, rep, o.message(res.Updates), o.Out, o.ErrOut)
}

// verify checks that the tag exists in its registry (one tag-list read, cached).
func (o *Options) verify(ctx context.Context, sc *images.Scanned) error {
	checker, _, err := o.Registry.Checker(ctx, sc.Rules, sc.Images, cmdutil.NewErrorLogger(o.ErrOut))
	if err != nil {
		return err
	}
	ref := o.spec.Image
	tags, err := checker.Lister.ListTags(ctx, ref.Repo())
	if err != nil {
		return fmt.Errorf("verify %s (skip with --verify=false): %w", ref, err)
	}
	if !slices.Contains(tags, ref.Tag) {
		return fmt.Errorf("tag %s not found in %s (%d tags); nothing changed (skip this check with --verify=false)", ref.Tag, ref.Name(), len(tags))
	}
	return nil
}

func (o *Options) message(updates []images.Update) string {
	var targets []string
	seen := map[string]bool{}
	for _, u := range updates {
		if u.Object != nil && !seen[u.Object.String()] {
			seen[u.Object.String()] = true
			targets = append(targets, u.Object.String())
		}
	}
	subject := fmt.Sprintf("Release %s to %s", o.spec.Image, strings.Join(targets, ", "))
	return images.CommitMessage(subject, updates)
}
