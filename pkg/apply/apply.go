package apply

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubectl-gitops/kubectl-gitops/internal/parallel"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/inventory"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// Options configure Execute.
type Options struct {
	FieldManager   string // default plan.DefaultFieldManager
	ForceConflicts bool
	Concurrency    int // parallel requests inside a stage; default 16
	// Wait waits for applied objects to become healthy (kstatus) up to WaitTimeout.
	Wait        bool
	WaitTimeout time.Duration // default 5m; also bounds waiting for CRDs to be Established
	Progress    Progress
	Logger      *slog.Logger

	fence func(context.Context) error // confirms the set's lock before each prune batch
}

func (o *Options) defaults() {
	if o.FieldManager == "" {
		o.FieldManager = plan.DefaultFieldManager
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	if o.WaitTimeout <= 0 {
		o.WaitTimeout = 5 * time.Minute
	}
	if o.Progress == nil {
		o.Progress = noProgress{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// ErrProblems means the plan has problems and was not executed.
var ErrProblems = errors.New("the plan has problems; nothing was applied")

// ErrFailed means some objects failed; their Changes carry the errors.
var ErrFailed = errors.New("some objects failed")

// ErrIncomplete means the apply stopped after it applied or deleted objects (their
// Changes say which): the lock was lost, it was cancelled, or its result could not be
// recorded on the ApplySet parent.
var ErrIncomplete = errors.New("the apply stopped after writing objects, and its result was not recorded")

// Execute applies p. It records each object's outcome on its Change (Result, Error)
// and returns ErrFailed when any object failed, an error wrapping ErrIncomplete when it
// stopped after writing objects, or another error when it wrote none. A plan with
// problems is refused before anything is written.
func Execute(ctx context.Context, cl plan.Cluster, store *inventory.Store, inv *inventory.Inventory, p *plan.Plan, o Options) (err error) {
	o.defaults()
	defer func() {
		if err != nil && !errors.Is(err, ErrFailed) {
			if n := countWritten(p); n > 0 {
				err = fmt.Errorf("%w (%d objects applied or deleted): %w", ErrIncomplete, n, err)
			}
		}
	}()
	o.fence = store.Fence
	if len(p.Problems) > 0 {
		return fmt.Errorf("%w (%d problems)", ErrProblems, len(p.Problems))
	}
	defer o.Progress.Finish()

	recorded := slices.Clone(inv.Namespaces)
	// Record the kinds and namespaces that are about to get members before creating any.
	gks, namespaces := footprint(p, func(c *plan.Change) bool { return c.NeedsApply() || c.Action == plan.Unchanged })
	if err := store.Widen(ctx, inv, gks, namespaces); err != nil {
		return err
	}

	stages := map[Stage][]*plan.Change{}
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.NeedsApply() {
			stages[StageOf(c)] = append(stages[StageOf(c)], c)
		}
	}
	for s := StageDefinitions; s <= StageWebhooks; s++ {
		changes := stages[s]
		if len(changes) > 0 {
			o.Progress.Stage(s.String(), len(changes))
			parallel.ForEach(ctx, len(changes), o.Concurrency, func(ctx context.Context, i int) {
				applyOne(ctx, cl, changes[i], o)
				o.Progress.Done(changes[i])
			})
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if s == StageDefinitions {
			if err := waitEstablished(ctx, cl, changes, o.WaitTimeout); err != nil {
				return err
			}
			cl.Mapper.Reset() // kinds of the new CRDs become mappable
			// What could not be validated before the CRDs and namespaces existed is
			// validated now, before any of it is written.
			if n := validateUnverified(ctx, cl, p, o); n > 0 {
				break
			}
		}
	}

	failed := countFailed(p)
	if o.Wait && failed == 0 {
		waitHealthy(ctx, cl, p, o)
		failed = countFailed(p)
	}

	if failed == 0 {
		prune(ctx, cl, p, o)
	} else {
		for i := range p.Changes {
			if c := &p.Changes[i]; c.Action == plan.Delete {
				c.Error = fmt.Sprintf("not pruned: %d objects failed to apply", failed)
			}
		}
	}

	// Narrow the inventory to what remains, now that pruned members are gone.
	gks, namespaces = footprint(p, func(c *plan.Change) bool { return c.Result != plan.Deleted })
	for _, id := range p.Retained {
		gks = append(gks, id.GroupKind())
		if id.Namespace != "" {
			namespaces = append(namespaces, id.Namespace)
		}
	}
	if len(p.RetainedKinds) > 0 {
		// Members of kinds the cluster does not serve now could not be listed: they may
		// be in any namespace recorded so far, so every one of them stays recorded.
		gks = append(gks, p.RetainedKinds...)
		namespaces = append(namespaces, recorded...)
	}
	rec := inventory.Record{Revision: p.Revision, Source: p.Source, Time: time.Now(), Summary: summary(p)}
	if countFailed(p) > 0 {
		rec.Revision = inv.Revision // the recorded revision is the last one applied completely
	}
	if err := store.Commit(ctx, inv, gks, namespaces, rec); err != nil {
		return err
	}
	if countFailed(p) > 0 {
		return ErrFailed
	}
	return nil
}

// validateUnverified dry-runs the creates the plan could not validate; when any fails,
// every change not yet applied is marked not applied, and the count is returned.
func validateUnverified(ctx context.Context, cl plan.Cluster, p *plan.Plan, o Options) int {
	var pending []*plan.Change
	for i := range p.Changes {
		if c := &p.Changes[i]; c.Unverified && c.NeedsApply() && c.Result == plan.NotRun {
			pending = append(pending, c)
		}
	}
	parallel.ForEach(ctx, len(pending), o.Concurrency, func(ctx context.Context, i int) {
		if err := send(ctx, cl, pending[i], o, true); err != nil {
			c := pending[i]
			c.Result, c.Error = plan.Failed, c.RedactSecretValues(fmt.Sprintf("validate: %v", err))
		}
	})
	failed := countFailed(p)
	if failed == 0 {
		return 0
	}
	for i := range p.Changes {
		if c := &p.Changes[i]; c.NeedsApply() && c.Result == plan.NotRun {
			c.Error = fmt.Sprintf("not applied: %d objects failed validation", failed)
		}
	}
	return failed
}

func applyOne(ctx context.Context, cl plan.Cluster, c *plan.Change, o Options) {
	if err := send(ctx, cl, c, o, false); err != nil {
		c.Result, c.Error = plan.Failed, c.RedactSecretValues(fmt.Sprintf("apply: %v", err))
		return
	}
	c.Result = plan.Applied
}

// send server-side applies c's desired object (its JSON, as planned), as a dry-run
// when asked.
func send(ctx context.Context, cl plan.Cluster, c *plan.Change, o Options, dryRun bool) error {
	gvk := c.GroupVersionKind()
	m, err := cl.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return fmt.Errorf("map kind %s: %w", gvk, err)
	}
	return plan.ServerSideApplyJSON(ctx, cl, m, c.ID.Namespace, c.ID.Name, c.DesiredJSON, o.FieldManager, o.ForceConflicts, dryRun)
}

// footprint returns the group-kinds and namespaces of the changes keep selects.
func footprint(p *plan.Plan, keep func(*plan.Change) bool) ([]schema.GroupKind, []string) {
	var (
		gks []schema.GroupKind
		nss []string
	)
	for i := range p.Changes {
		c := &p.Changes[i]
		if !keep(c) {
			continue
		}
		gks = append(gks, c.ID.GroupKind())
		if c.ID.Namespace != "" {
			nss = append(nss, c.ID.Namespace)
		}
	}
	return gks, nss
}

func countFailed(p *plan.Plan) int { return p.Counts().Failed }

// countWritten counts the objects applied or deleted.
func countWritten(p *plan.Plan) int {
	n := 0
	for _, c := range p.Changes {
		if c.Result == plan.Applied || c.Result == plan.Deleted {
			n++
		}
	}
	return n
}

func summary(p *plan.Plan) string {
	n := map[plan.Result]int{}
	for _, c := range p.Changes {
		n[c.Result]++
	}
	c := p.Counts()
	return fmt.Sprintf("%d applied, %d deleted, %d unchanged, %d skipped, %d failed",
		n[plan.Applied], n[plan.Deleted], c.Unchanged, c.Skip, n[plan.Failed])
}
