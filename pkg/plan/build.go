package plan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubectl-gitops/kubectl-gitops/internal/parallel"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/inventory"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
)

// DefaultFieldManager is the server-side apply field manager of this tool.
const DefaultFieldManager = "kubectl-gitops"

// Options configure Build.
type Options struct {
	FieldManager     string   // default DefaultFieldManager
	DefaultNamespace string   // for namespaced objects without one
	AllowNamespaces  []string // when set, objects elsewhere are problems
	// NamespacedOnly makes cluster-scoped objects problems too (Namespaces whose names
	// AllowNamespaces allows excepted): for a grant of some namespaces of a cluster,
	// which does not reach what belongs to the whole cluster.
	NamespacedOnly bool
	Prune          bool // plan deletions of members no longer in git
	// AllowEmpty allows pruning when the desired set is empty.
	AllowEmpty bool
	// MaxDeletes refuses plans that delete more objects; negative means no limit.
	MaxDeletes     int
	ForceConflicts bool
	Concurrency    int // parallel requests; default 16
	// FullDryRun dry-runs every object, even those unchanged since this tool applied them.
	FullDryRun bool
	Revision   string
	Source     string
	Logger     *slog.Logger
}

func (o *Options) defaults() {
	if o.FieldManager == "" {
		o.FieldManager = DefaultFieldManager
	}
	if o.DefaultNamespace == "" {
		o.DefaultNamespace = "default"
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Build compares objs with the cluster and the set's inventory and returns the Plan.
// It writes nothing: every object is validated with a server-side dry-run apply, except
// those the cluster still holds exactly as this tool last applied them (see
// unchangedSinceApplied). Problems with single objects are collected in Plan.Problems;
// an error is returned only when the cluster cannot be read at all.
// Build takes ownership of objs: it defaults, labels and annotates them in place.
func Build(ctx context.Context, cl Cluster, store *inventory.Store, inv *inventory.Inventory, objs []manifest.Object, o Options) (*Plan, error) {
	o.defaults()
	start := time.Now()
	p := &Plan{
		SchemaVersion: SchemaVersion,
		ApplySet:      store.Parent().String(),
		ApplySetID:    store.Parent().ID(),
		Revision:      o.Revision,
		Source:        o.Source,
		Created:       time.Now().UTC().Truncate(time.Second),
	}
	rendered := len(objs)
	ds, problems := prepare(objs, cl.Mapper, store.MemberLabels(), o)
	p.Problems = append(p.Problems, problems...)

	gks := map[string]bool{}
	var extra []schema.GroupKind
	for _, d := range ds {
		if d.mapping != nil && !gks[d.id.GroupKind().String()] {
			gks[d.id.GroupKind().String()] = true
			extra = append(extra, d.id.GroupKind())
		}
	}
	members, unknown, err := store.Members(ctx, inv, cl.Mapper, extra)
	if err != nil {
		return nil, err
	}
	for _, gk := range unknown {
		o.Logger.Warn("the cluster does not serve a kind recorded in the applyset; its members cannot be pruned now", "kind", gk.String())
	}
	p.RetainedKinds = unknown
	live := make(map[object.ID]*inventory.Member, len(members))
	for _, m := range members {
		live[m.ID] = m
	}

	newNamespaces, err := missingNamespaces(ctx, cl, ds, live)
	if err != nil {
		return nil, err
	}
	changes := make([]Change, len(ds))
	parallel.ForEach(ctx, len(ds), o.Concurrency, func(ctx context.Context, i int) {
		member, err := decodeMember(live[ds[i].id])
		if err != nil {
			changes[i] = Change{ID: ds[i].id, Source: ds[i].source, Error: err.Error()}
			return
		}
		c := planObject(ctx, cl, store, ds[i], member, newNamespaces, o)
		c.Live, c.Merged = nil, nil // the diff is made; only deletes (from prunes) need Live
		changes[i] = c
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, c := range changes {
		if c.Action == "" { // the object's problem is recorded in Error
			id := c.ID
			p.Problems = append(p.Problems, Problem{ID: &id, Source: c.Source, Message: c.Error})
			continue
		}
		p.Changes = append(p.Changes, c)
	}

	p.Changes = append(p.Changes, prunes(ds, members, rendered, store.Parent(), o, p)...)
	keepCRDsInUse(ctx, cl, p)
	p.Sort()
	o.Logger.Debug("plan built", "objects", rendered, "members", len(members), "elapsed", time.Since(start))
	return p, nil
}

// decodeMember is m's object, nil for no member.
func decodeMember(m *inventory.Member) (*unstructured.Unstructured, error) {
	if m == nil {
		return nil, nil
	}
	return m.Object()
}

// planObject decides the action for one desired object. A Change with an empty
// Action carries a problem in Error. A change to apply carries the JSON sent to the
// server (the dry-run's, when there is one) in DesiredJSON.
func planObject(ctx context.Context, cl Cluster, store *inventory.Store, d *desired, member *unstructured.Unstructured, newNamespaces map[string]bool, o Options) Change {
	obj, err := d.object()
	if err != nil {
		return Change{ID: d.id, Source: d.source, Error: err.Error()}
	}
	var body []byte
	encode := func() ([]byte, error) {
		if body == nil {
			if body, err = json.Marshal(obj.Object); err != nil {
				return nil, fmt.Errorf("encode %s: %w", d.id, err)
			}
		}
		return body, nil
	}
	c := planObjectAs(ctx, cl, store, d, obj, encode, member, newNamespaces, o)
	if c.NeedsApply() {
		if c.DesiredJSON, err = encode(); err != nil {
			return Change{ID: d.id, Source: d.source, Error: err.Error()}
		}
	}
	return c
}

// planObjectAs is planObject of d decoded as obj; encode returns obj's JSON, encoded
// once.
func planObjectAs(ctx context.Context, cl Cluster, store *inventory.Store, d *desired, obj *unstructured.Unstructured, encode func() ([]byte, error),
	member *unstructured.Unstructured, newNamespaces map[string]bool, o Options) Change {
	c := Change{ID: d.id, APIVersion: obj.GetAPIVersion(), Source: d.source}
	if mode := object.IgnoreModeOf(obj); mode == object.Ignored {
		c.Action, c.Reason = Skip, "ignored in git (annotation ignore: \"true\")"
		return c
	}
	if d.mapping == nil {
		return unverified(c, obj, fmt.Sprintf("unverifiable until the CRD %s exists", d.pendingCRD))
	}
	if member == nil && newNamespaces[d.id.Namespace] {
		return unverified(c, obj, fmt.Sprintf("unverifiable until the namespace %s exists", d.id.Namespace))
	}
	live := member
	var (
		merged *unstructured.Unstructured
		dryErr error
	)
	dryRun := func() (*unstructured.Unstructured, error) {
		body, err := encode()
		if err != nil {
			return nil, err
		}
		return serverSideApplyBody(ctx, cl.Client, d.mapping, d.id.Namespace, d.id.Name, body, o.FieldManager, o.ForceConflicts, true)
	}
	if live == nil {
		// Not a member: usually the object does not exist yet, and the dry-run says so
		// (no resourceVersion). Only an object that exists, or an error, costs a read.
		merged, dryErr = dryRun()
		if dryErr != nil || merged.GetResourceVersion() != "" {
			u, err := ResourceFor(cl.Client, d.mapping, d.id.Namespace).Get(ctx, d.id.Name, metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(err):
			case err != nil:
				c.Error = fmt.Sprintf("read live object: %v", err)
				return c
			default:
				live = u
			}
		}
	}
	c.Live = live
	if live != nil {
		if object.IgnoreModeOf(live) == object.Ignored {
			c.Action, c.Reason = Skip, "ignored in the cluster (annotation ignore: \"true\")"
			return c
		}
		if other := live.GetLabels()[inventory.LabelPartOf]; other != "" && other != store.Parent().ID() {
			c.Error = fmt.Sprintf("the live object belongs to another ApplySet (%s=%s); remove it from one of the sets", inventory.LabelPartOf, other)
			return c
		}
		if !o.FullDryRun && member != nil && unchangedSinceApplied(live, d.hash, o.FieldManager) && contains(live.Object, stripHash(obj).Object) {
			c.Action = Unchanged
			return c
		}
	}
	if merged == nil && dryErr == nil {
		merged, dryErr = dryRun()
	}
	if dryErr != nil {
		if live == nil && newNamespaces[d.id.Namespace] && isNamespaceNotFound(dryErr, d.id.Namespace) {
			return unverified(c, obj, fmt.Sprintf("unverifiable until the namespace %s exists", d.id.Namespace))
		}
		c.Error = RedactSecretValues(obj, describeAPIError("dry-run apply", dryErr))
		return c
	}
	c.Merged = merged
	switch {
	case live == nil:
		c.Action = Create
	case Equal(stripHash(live), stripHash(merged)):
		c.Action = Unchanged
		// Apply anyway, silently, so that the next plan can skip the dry-run.
		c.refresh = live.GetAnnotations()[object.AnnotationAppliedHash] != d.hash || member == nil
	default:
		c.Action = Update
	}
	if c.Action != Unchanged {
		diff, err := UnifiedDiff(d.id, stripHash(live), stripHash(merged))
		if err != nil {
			c.Error = fmt.Sprintf("diff: %v", err)
			return c
		}
		c.Diff = diff
	}
	return c
}

// missingNamespaces returns the namespaces that git defines and the cluster does not
// have yet: objects in them cannot be dry-run before the namespace stage, so they are
// not sent until then (one request per such namespace, not one per object).
func missingNamespaces(ctx context.Context, cl Cluster, ds []*desired, live map[object.ID]*inventory.Member) (map[string]bool, error) {
	missing := map[string]bool{}
	for _, d := range ds {
		if d.id.Group != "" || d.id.Kind != "Namespace" || live[d.id] != nil {
			continue
		}
		_, err := cl.Client.Resource(namespaceGVR).Get(ctx, d.id.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			missing[d.id.Name] = true
		case err != nil:
			return nil, fmt.Errorf("read namespace %s: %w", d.id.Name, err)
		}
	}
	return missing, nil
}

var namespaceGVR = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}

// unverified marks c, the change of obj, as a create the server cannot validate yet;
// it is dry-run by the executor once the CRD or namespace it depends on exists, before
// it is written.
func unverified(c Change, obj *unstructured.Unstructured, reason string) Change {
	c.Action, c.Unverified, c.Reason = Create, true, reason
	c.Diff, _ = UnifiedDiff(c.ID, nil, stripHash(obj))
	return c
}

func isNamespaceNotFound(err error, ns string) bool {
	var st apierrors.APIStatus
	if !apierrors.IsNotFound(err) || !errors.As(err, &st) {
		return false
	}
	d := st.Status().Details
	return d != nil && d.Kind == "namespaces" && d.Name == ns
}

// prunes returns the deletions: members no longer in git. Members marked ignore or
// sync_only, and members this tool's field manager never applied (a copied label), are
// kept and shown as skips; with pruning off, or already being deleted, they are
// recorded as retained. Deleting a member outside --allow-namespace, or the Namespace
// that holds the set's parent, is a problem.
func prunes(ds []*desired, members []*inventory.Member, rendered int, parent inventory.Parent, o Options, p *Plan) []Change {
	want := make(map[object.ID]bool, len(ds))
	for _, d := range ds {
		want[d.id] = true
	}
	// Objects that failed preparation are still wanted: never prune what git still has.
	for _, pr := range p.Problems {
		if pr.ID != nil {
			want[*pr.ID] = true
		}
	}
	var out []Change
	deletes := 0
	for _, member := range members {
		id := member.ID
		if want[id] {
			continue
		}
		m, err := member.Object()
		if err != nil {
			p.Problems = append(p.Problems, Problem{ID: &id, Message: err.Error()})
			continue
		}
		if !o.Prune || m.GetDeletionTimestamp() != nil {
			p.Retained = append(p.Retained, id)
			continue
		}
		c := Change{ID: id, APIVersion: m.GetAPIVersion(), Live: m}
		refusal := pruneProblem(id, parent, o)
		switch {
		case object.IgnoreModeOf(m) != object.Managed:
			c.Action, c.Reason = Skip, "not garbage-collected: marked ignore or sync_only in the cluster"
		case !appliedBy(m, o.FieldManager):
			c.Action, c.Reason = Skip, fmt.Sprintf("not garbage-collected: carries the set's label but was never applied by field manager %q", o.FieldManager)
		case refusal != "":
			p.Problems = append(p.Problems, Problem{ID: &id, Message: refusal})
			continue
		default:
			c.Action = Delete
			diff, err := UnifiedDiff(id, stripHash(m), nil)
			if err == nil {
				c.Diff = diff
			}
			deletes++
		}
		out = append(out, c)
	}
	if deletes > 0 && rendered == 0 && !o.AllowEmpty {
		p.Problems = append(p.Problems, Problem{Message: fmt.Sprintf(
			"refusing to prune %d objects: the rendered set is empty (a wrong --path or an empty render?); pass --allow-empty to delete them", deletes)})
	}
	if o.MaxDeletes >= 0 && deletes > o.MaxDeletes {
		p.Problems = append(p.Problems, Problem{Message: fmt.Sprintf(
			"refusing to prune %d objects: more than --max-deletes=%d", deletes, o.MaxDeletes)})
	}
	return out
}

// pruneProblem says why deleting the member id is refused: it is outside
// --allow-namespace (as a create there would be), or it is the Namespace that holds the
// set's parent (deleting it deletes the inventory and the lock).
func pruneProblem(id object.ID, parent inventory.Parent, o Options) string {
	isNamespace := id.Group == "" && id.Kind == "Namespace"
	if isNamespace && id.Name == parent.Namespace {
		return fmt.Sprintf("refusing to delete the namespace of this set's ApplySet parent (%s): it holds the inventory and the lock; "+
			"keep it in git, or mark it %s: %s in the cluster", parent, object.AnnotationIgnore, object.IgnoreSyncOnly)
	}
	ns := id.Namespace
	if isNamespace {
		ns = id.Name
	}
	if ns == "" && o.NamespacedOnly {
		return fmt.Sprintf("cluster-scoped objects are not allowed (only namespaces %v are): not pruning it", o.AllowNamespaces)
	}
	if len(o.AllowNamespaces) > 0 && ns != "" && !NamespaceAllowed(o.AllowNamespaces, ns) {
		return fmt.Sprintf("namespace %q is not allowed (allowed: %v): not pruning it; allow the namespace to delete it, or pass --prune=false", ns, o.AllowNamespaces)
	}
	return ""
}

// keepCRDsInUse turns the prune of a CRD into a skip unless every existing object of
// its kind is pruned by this plan too: deleting a CRD deletes all of them, including
// this set's objects that stay (still in git, marked sync_only or ignore, never applied
// by this tool) and objects of other owners.
func keepCRDsInUse(ctx context.Context, cl Cluster, p *Plan) {
	gone := map[types.UID]bool{}
	for _, c := range p.Changes {
		if c.Action == Delete {
			gone[c.Live.GetUID()] = true
		}
	}
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.Action != Delete || !IsCRD(c.ID) {
			continue
		}
		if reason := CRDObjectKept(ctx, cl.Client, c.Live, gone); reason != "" {
			c.Action, c.Diff, c.Reason = Skip, "", reason
		}
	}
}

// unchangedSinceApplied reports whether live is exactly what this tool last applied
// from the same desired object: its applied-hash annotation matches, and no other field
// manager has written to it (status aside) since this tool's last apply. Server-side
// apply of the same object would then be a no-op, so no dry-run is needed.
func unchangedSinceApplied(live *unstructured.Unstructured, hash, manager string) bool {
	if live.GetAnnotations()[object.AnnotationAppliedHash] != hash {
		return false
	}
	var ours *metav1.Time
	mfs := live.GetManagedFields()
	for _, f := range mfs {
		if f.Manager == manager && f.Operation == metav1.ManagedFieldsOperationApply && f.Subresource == "" {
			ours = f.Time
		}
	}
	if ours == nil {
		return false
	}
	for _, f := range mfs {
		if (f.Manager == manager && f.Operation == metav1.ManagedFieldsOperationApply && f.Subresource == "") || f.Subresource == "status" {
			continue
		}
		if f.Time == nil || !f.Time.Before(ours) {
			return false
		}
	}
	return true
}

// contains reports whether every field of want is in have with the same value: the
// live object still holds what was applied. (A field another writer removed leaves no
// trace in managedFields, so the timestamps alone cannot tell.) Lists must match
// element by element; anything else, such as a value the server normalised, returns
// false, and the caller falls back to a dry-run.
func contains(have, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			hv, ok := h[k]
			if !ok || !contains(hv, wv) {
				return false
			}
		}
		return true
	case []any:
		h, ok := have.([]any)
		if !ok || len(h) != len(w) {
			return false
		}
		for i := range w {
			if !contains(h[i], w[i]) {
				return false
			}
		}
		return true
	case int64, float64, int, int32:
		return numeric(have) == numeric(want)
	default:
		return have == want
	}
}

func numeric(v any) any {
	switch n := v.(type) {
	case int64:
		return float64(n)
	case int:
		return float64(n)
	case int32:
		return float64(n)
	}
	return v
}

// appliedBy reports whether manager has applied fields of u.
func appliedBy(u *unstructured.Unstructured, manager string) bool {
	for _, f := range u.GetManagedFields() {
		if f.Manager == manager && f.Operation == metav1.ManagedFieldsOperationApply {
			return true
		}
	}
	return false
}

// stripHash returns u without the applied-hash annotation (bookkeeping, not content).
func stripHash(u *unstructured.Unstructured) *unstructured.Unstructured {
	if u == nil {
		return nil
	}
	ann, _ := nestedMap(u.Object, "metadata", "annotations")
	if _, ok := ann[object.AnnotationAppliedHash]; !ok {
		return u
	}
	c := shallowCopy(u) // callers only read it
	delete(c.Object["metadata"].(map[string]interface{})["annotations"].(map[string]interface{}), object.AnnotationAppliedHash)
	return c
}

// describeAPIError turns an API error into a one-line message for a problem.
func describeAPIError(op string, err error) string {
	if apierrors.IsConflict(err) {
		return fmt.Sprintf("%s: %v (another field manager owns these fields; pass --force-conflicts to take them over)", op, err)
	}
	if meta.IsNoMatchError(err) {
		return fmt.Sprintf("%s: unknown kind: %v", op, err)
	}
	return fmt.Sprintf("%s: %v", op, err)
}
