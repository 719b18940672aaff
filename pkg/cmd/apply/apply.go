package apply

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/apply"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/cmd/cmdutil"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/engine"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/actionsenv"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/inventory"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/redact"
)

// Options of `kubectl gitops apply`.
type Options struct {
	Source cmdutil.SourceOptions
	Target cmdutil.TargetOptions
	Plan   cmdutil.PlanOptions
	Output cmdutil.OutputOptions
	Status cmdutil.StatusOptions
	Notify cmdutil.NotifyOptions
	Report cmdutil.ReportOptions

	DryRun          bool
	Wait            bool
	WaitTimeout     time.Duration
	LockTTL         time.Duration
	GitSyncTag      string
	Interval        time.Duration
	GitPollInterval time.Duration
	SyncInterval    time.Duration
	Progress        string

	flags *genericclioptions.ConfigFlags
	genericiooptions.IOStreams
	Log *slog.Logger
}

// NewCmdApply returns the apply command.
func NewCmdApply(f *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams, log *slog.Logger, red *redact.Redactor) *cobra.Command {
	o := &Options{flags: f, IOStreams: streams, Log: log}
	o.Source.Redactor, o.Status.Redactor, o.Notify.Redactor = red, red, red
	cmd := &cobra.Command{
		Use:   "apply [SOURCE]",
		Short: "Apply a git path to the cluster, in stages, with garbage collection",
		Long: `Apply plans SOURCE (see "kubectl gitops plan"), refuses to write anything if any object is
invalid, then applies with server-side apply in stages (CRDs and Namespaces, cluster-scoped,
namespaced, admission webhooks), prunes members of the ApplySet no longer in git, and records
the applied commit on the ApplySet parent. Two applies of one set never run at once.

Exit status: 0 applied; 1 some objects failed (the rest were applied), or the apply stopped
after writing objects (the lock was lost, the result could not be recorded: the objects
written are listed); 2 nothing applied (bad input, problems in the plan, unreachable
cluster, set locked).`,
		Example: `  kubectl gitops apply ./deploy --applyset prod
  kubectl gitops apply https://github.com/org/fleet --ref main --path clusters/prod --wait
  kubectl gitops apply https://github.com/org/fleet --interval 5m   # keep syncing`,
		Args:          cobra.MaximumNArgs(1),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          cmdutil.RunE(o),
	}
	fs := cmd.Flags()
	o.Source.AddFlags(fs)
	o.Target.AddFlags(fs)
	o.Plan.AddFlags(fs)
	o.Output.AddFlags(fs)
	o.Status.AddFlags(fs, githubapp.ApplyStatusContext)
	o.Notify.AddFlags(fs)
	o.Report.AddFlags(fs)
	fs.BoolVar(&o.DryRun, "dry-run", false, "print the plan only; write nothing")
	fs.BoolVar(&o.Wait, "wait", false, "wait for applied objects to become healthy (rollouts, Jobs; kstatus)")
	fs.DurationVar(&o.WaitTimeout, "timeout", 5*time.Minute, "how long --wait (and waiting for CRDs) may take")
	fs.DurationVar(&o.LockTTL, "lock-ttl", time.Minute, "lifetime of the set's lock if this process dies (renewed while running)")
	fs.StringVar(&o.GitSyncTag, "git-sync-tag", "", "after a successful apply, move this git tag to the applied commit and push it (needs write access)")
	fs.DurationVar(&o.Interval, "interval", 0, "keep running: poll git and re-apply (0: apply once)")
	fs.DurationVar(&o.GitPollInterval, "git-poll-interval", 0, "with --interval: how often to look for new commits (default: --interval)")
	fs.DurationVar(&o.SyncInterval, "sync-interval", 0, "with --interval: re-apply at least this often to correct drift (default: --interval)")
	fs.StringVar(&o.Progress, "progress", "auto", "progress display: auto (bars on a terminal), bars, log, none")
	return cmd
}

// Complete fills in what the flags leave open.
func (o *Options) Complete(args []string) error {
	if len(args) == 1 {
		o.Source.Source = args[0]
	}
	if o.GitPollInterval == 0 {
		o.GitPollInterval = o.Interval
	}
	if o.SyncInterval == 0 {
		o.SyncInterval = o.Interval
	}
	if err := o.Target.Complete(o.flags); err != nil {
		return err
	}
	return o.Notify.Complete(fmt.Sprintf("ApplySet %s in %s", o.Target.ApplySet, o.Target.ApplySetNamespace), actionsenv.RunURL(os.Getenv))
}

// Validate checks the options.
func (o *Options) Validate() error {
	if err := o.Target.Validate(); err != nil {
		return err
	}
	if err := o.Output.Validate(); err != nil {
		return err
	}
	if o.Interval < 0 || (o.Interval > 0 && (o.GitPollInterval <= 0 || o.SyncInterval <= 0)) {
		return errors.New("--interval, --git-poll-interval and --sync-interval must be positive")
	}
	if !o.DryRun && o.LockTTL < inventory.MinLockTTL {
		return fmt.Errorf("--lock-ttl must be at least %s", inventory.MinLockTTL)
	}
	switch o.Progress {
	case "auto", "bars", "log", "none":
	default:
		return fmt.Errorf("--progress %q: want auto, bars, log or none", o.Progress)
	}
	return nil
}

// Run applies once, or keeps syncing with --interval.
func (o *Options) Run(ctx context.Context) error {
	src, err := o.Source.OpenFor(ctx, &o.Target, o.Log)
	if err != nil {
		return err
	}
	defer src.Close()
	if o.GitSyncTag != "" && src.Repo == nil {
		return cmdutil.Exit(cmdutil.ExitFailure, errors.New("--git-sync-tag needs a git source"))
	}
	if src.Dirty() && src.Revision != "" {
		o.Log.Warn("the work tree has uncommitted changes: they are applied, and the revision is recorded with a -dirty suffix")
		src.Revision += dirtySuffix
	}
	if o.Interval == 0 {
		return o.once(ctx, src)
	}
	return o.loop(ctx, src)
}

// loop applies new commits as they appear and re-applies every SyncInterval; a failed
// round is logged and retried at the next poll, never fatal.
func (o *Options) loop(ctx context.Context, src *cmdutil.Source) error {
	var (
		lastStart time.Time
		failed    bool
	)
	poll := time.NewTicker(o.GitPollInterval)
	defer poll.Stop()
	for {
		changed := false
		if src.Repo != nil && !lastStart.IsZero() {
			var err error
			if changed, err = src.Repo.Update(ctx); err != nil {
				o.Log.Error("poll git", "err", err)
			}
			if changed {
				src.Revision = src.Repo.Revision()
				o.Log.Info("new commit", "revision", src.Revision)
			}
		}
		if lastStart.IsZero() || changed || failed || time.Since(lastStart) >= o.SyncInterval {
			lastStart = time.Now()
			err := o.once(ctx, src)
			failed = err != nil && ctx.Err() == nil
			if failed {
				o.Log.Error("apply", "revision", src.Revision, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-poll.C:
		}
	}
}

// once runs one plan and apply of the source under the set's lock.
func (o *Options) once(ctx context.Context, src *cmdutil.Source) error {
	// Kinds may have appeared or gone since the last round (CRDs installed by others).
	o.Target.Conn.Cluster.Mapper.Reset()
	if !o.DryRun {
		if err := o.createParentNamespace(ctx, src); err != nil {
			return err
		}
		locked, unlock, err := o.Target.Conn.Store.Lock(ctx, holderID(), o.LockTTL)
		if err != nil {
			return cmdutil.Exit(cmdutil.ExitFailure, err)
		}
		defer unlock()
		ctx = locked // cancelled if the lock is lost mid-apply
		if err := o.Status.Complete(strings.TrimSuffix(src.Revision, dirtySuffix), o.Log); err != nil {
			return cmdutil.Exit(cmdutil.ExitFailure, err)
		}
	}
	// Whatever happens below, the status must not stay pending because ctx ended.
	statusCtx := context.WithoutCancel(ctx)
	o.Status.Pending(ctx, "applying", o.Log)
	p, inv, err := engine.PlanLive(ctx, o.Target.Conn, o.Target.Engine(o.Plan), src, o.Log)
	if err != nil {
		o.Status.Report(statusCtx, nil, err, o.Log)
		o.Notify.Report(statusCtx, nil, err, o.Log)
		return cmdutil.Exit(cmdutil.ExitFailure, err)
	}
	if o.DryRun || len(p.Problems) > 0 {
		o.Status.Report(statusCtx, p, nil, o.Log)
		if !o.DryRun {
			o.Notify.Report(statusCtx, p, nil, o.Log)
		}
		if err := o.Output.Print(o.Out, p, "kubectl gitops apply --dry-run"); err != nil {
			return cmdutil.Exit(cmdutil.ExitFailure, err)
		}
		if err := o.Report.Write(p, "kubectl gitops apply --dry-run"); err != nil {
			return cmdutil.Exit(cmdutil.ExitFailure, err)
		}
		if len(p.Problems) > 0 {
			return cmdutil.Exit(cmdutil.ExitFailure, fmt.Errorf("%d problems; nothing was applied", len(p.Problems)))
		}
		return nil
	}
	if o.Output.Format == "text" {
		if err := o.Output.Print(o.Out, p, ""); err != nil {
			return err
		}
	}
	err = apply.Execute(ctx, o.Target.Conn.Cluster, o.Target.Conn.Store, inv, p, apply.Options{
		FieldManager:   o.Target.FieldManager,
		ForceConflicts: o.Plan.ForceConflicts,
		Concurrency:    o.Target.Concurrency,
		Wait:           o.Wait,
		WaitTimeout:    o.WaitTimeout,
		Progress:       o.progress(),
		Logger:         o.Log,
	})
	if cause := context.Cause(ctx); err != nil && cause != nil && cause != ctx.Err() && !errors.Is(err, cause) {
		err = fmt.Errorf("%w: %w", err, cause) // e.g. the lock was lost
	}
	p.Redact(o.Source.Redactor) // errors of the writes may quote values too
	o.Status.Report(statusCtx, p, err, o.Log)
	o.Notify.Report(statusCtx, p, err, o.Log)
	if perr := o.printResult(p); perr != nil {
		o.Log.Error("print result", "err", perr)
	}
	if rerr := o.Report.Write(p, "kubectl gitops apply"); rerr != nil {
		o.Log.Error("write the result", "err", rerr)
		if err == nil {
			return cmdutil.Exit(cmdutil.ExitChanges, fmt.Errorf("applied, but the result could not be written: %w", rerr))
		}
	}
	switch {
	case errors.Is(err, apply.ErrFailed):
		return cmdutil.Exit(cmdutil.ExitChanges, fmt.Errorf("%d objects failed", p.Counts().Failed))
	case errors.Is(err, apply.ErrIncomplete):
		return cmdutil.Exit(cmdutil.ExitChanges, err) // the objects written are listed above
	case err != nil:
		return cmdutil.Exit(cmdutil.ExitFailure, err)
	}
	if o.GitSyncTag != "" && src.Dirty() {
		return cmdutil.Exit(cmdutil.ExitChanges, fmt.Errorf("applied, but not moving sync tag %s: the work tree has uncommitted changes", o.GitSyncTag))
	}
	if o.GitSyncTag != "" && src.Revision != "" {
		if err := src.Repo.SetTag(ctx, o.GitSyncTag, src.Revision); err != nil {
			return cmdutil.Exit(cmdutil.ExitChanges, fmt.Errorf("applied, but moving sync tag %s: %w", o.GitSyncTag, err))
		}
		o.Log.Info("sync tag moved", "tag", o.GitSyncTag, "revision", src.Revision)
	}
	return nil
}

// dirtySuffix marks a recorded revision applied from a work tree with uncommitted changes.
const dirtySuffix = "-dirty"

// holderID identifies this process as the holder of a set's lock: unique even for two
// processes with the same host name and PID (containers).
func holderID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%d/%x", host, os.Getpid(), b)
}

func (o *Options) printResult(p *plan.Plan) error {
	out := o.Output
	if out.Format == "text" {
		out.NoDiff = true // the diffs were printed with the plan
	}
	return out.Print(o.Out, p, "kubectl gitops apply")
}

func (o *Options) progress() apply.Progress {
	switch o.Progress {
	case "none":
		return nil
	case "bars":
		return apply.NewBarProgress(o.ErrOut)
	case "log":
		return apply.LogProgress{Log: o.Log}
	}
	if cmdutil.IsTerminal(o.ErrOut) {
		return apply.NewBarProgress(o.ErrOut)
	}
	return apply.LogProgress{Log: o.Log}
}
