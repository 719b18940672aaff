package inventory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/utils/clock"
)

// Inventory is the state recorded on the parent.
type Inventory struct {
	Parent     Parent
	Exists     bool
	GroupKinds []schema.GroupKind // sorted
	// Namespaces the set spans: the parent's namespace plus additional-namespaces.
	Namespaces  []string
	Tooling     string
	Revision    string // last applied commit
	AppliedAt   time.Time
	Summary     string
	Source      string
	annotations map[string]string
}

// Store reads and writes one ApplySet parent.
type Store struct {
	client       dynamic.Interface
	parent       Parent
	fieldManager string
	tooling      string
	log          *slog.Logger
	clock        clock.Clock

	mu   sync.Mutex
	lock *heldLock // the set's lock while this process holds it
}

// Option configures a Store.
type Option func(*Store)

// WithFieldManager sets the server-side apply field manager for the parent (default "kubectl-gitops").
func WithFieldManager(m string) Option { return func(s *Store) { s.fieldManager = m } }

// WithTooling sets the tooling annotation value (default "kubectl-gitops/v1").
func WithTooling(t string) Option { return func(s *Store) { s.tooling = t } }

// WithClock sets the clock the lock's renewals are timed with (default: the real one).
func WithClock(c clock.Clock) Option { return func(s *Store) { s.clock = c } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// New returns a Store for parent.
func New(client dynamic.Interface, parent Parent, opts ...Option) *Store {
	s := &Store{client: client, parent: parent, fieldManager: ToolingName, tooling: ToolingName + "/v1", log: slog.Default(), clock: clock.RealClock{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Parent returns the parent this store manages.
func (s *Store) Parent() Parent { return s.parent }

// ErrForeignParent means the parent exists but another tool manages it.
var ErrForeignParent = errors.New("applyset parent is managed by another tool")

// Get reads the parent. A missing parent is an empty inventory with Exists false.
func (s *Store) Get(ctx context.Context) (*Inventory, error) {
	inv := &Inventory{Parent: s.parent, Namespaces: []string{s.parent.Namespace}}
	u, err := s.client.Resource(s.parent.GVR()).Namespace(s.parent.Namespace).Get(ctx, s.parent.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return inv, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read applyset parent %s: %w", s.parent, err)
	}
	inv.Exists = true
	a := u.GetAnnotations()
	inv.annotations = a
	inv.Tooling = a[AnnotationTooling]
	if id := u.GetLabels()[LabelID]; id != s.parent.ID() {
		return nil, fmt.Errorf("applyset parent %s: label %s is %q, want %q: %w", s.parent, LabelID, id, s.parent.ID(), ErrForeignParent)
	}
	if name, _, _ := strings.Cut(inv.Tooling, "/"); name != ToolingName {
		return nil, fmt.Errorf("applyset parent %s has tooling %q, not %s: %w", s.parent, inv.Tooling, ToolingName, ErrForeignParent)
	}
	inv.GroupKinds = parseGroupKinds(a[AnnotationGroupKinds])
	inv.Namespaces = union(inv.Namespaces, splitList(a[AnnotationAdditionalNS]))
	inv.Revision = a[AnnotationLastRevision]
	inv.Summary = a[AnnotationLastSummary]
	inv.Source = a[AnnotationLastSource]
	if t := a[AnnotationLastAppliedTime]; t != "" {
		inv.AppliedAt, _ = time.Parse(time.RFC3339, t)
	}
	return inv, nil
}

// Widen records group-kinds and namespaces that are about to receive members, keeping
// the ones already recorded. Call it before creating members, so that a crash
// mid-apply leaves every created object findable for the next prune.
func (s *Store) Widen(ctx context.Context, inv *Inventory, gks []schema.GroupKind, namespaces []string) error {
	allGKs := unionGK(inv.GroupKinds, gks)
	allNS := union(inv.Namespaces, namespaces)
	if inv.Exists && slices.Equal(allGKs, inv.GroupKinds) && slices.Equal(allNS, inv.Namespaces) {
		return nil
	}
	return s.write(ctx, inv, allGKs, allNS, nil)
}

// Record is what Commit writes after a successful apply.
type Record struct {
	Revision string
	Summary  string
	Source   string
	Time     time.Time
}

// Commit sets the group-kinds and namespaces to exactly those of the remaining members
// (call it only after pruned members are deleted) and records the applied revision.
func (s *Store) Commit(ctx context.Context, inv *Inventory, gks []schema.GroupKind, namespaces []string, r Record) error {
	return s.write(ctx, inv, unionGK(nil, gks), union([]string{s.parent.Namespace}, namespaces), &r)
}

func (s *Store) write(ctx context.Context, inv *Inventory, gks []schema.GroupKind, namespaces []string, r *Record) error {
	if err := s.Fence(ctx); err != nil {
		return fmt.Errorf("write applyset parent %s: %w", s.parent, err)
	}
	ann := map[string]string{
		AnnotationTooling:      s.tooling,
		AnnotationGroupKinds:   formatGroupKinds(gks),
		AnnotationAdditionalNS: strings.Join(without(namespaces, s.parent.Namespace), ","),
	}
	// Keep the last record unless a new one is given: the parent is written with one
	// field manager, so every field it owns must be sent each time.
	for _, k := range []string{AnnotationLastRevision, AnnotationLastAppliedTime, AnnotationLastSummary, AnnotationLastSource} {
		if v := inv.annotations[k]; v != "" {
			ann[k] = v
		}
	}
	if r != nil {
		ann[AnnotationLastRevision] = r.Revision
		ann[AnnotationLastAppliedTime] = r.Time.UTC().Format(time.RFC3339)
		ann[AnnotationLastSummary] = r.Summary
		ann[AnnotationLastSource] = r.Source
		for k, v := range ann {
			if v == "" {
				delete(ann, k)
			}
		}
	}
	obj := map[string]any{
		"apiVersion": "v1",
		"kind":       s.parent.Kind,
		"metadata": map[string]any{
			"name":        s.parent.Name,
			"namespace":   s.parent.Namespace,
			"labels":      map[string]string{LabelID: s.parent.ID()},
			"annotations": ann,
		},
	}
	body, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	force := true
	_, err = s.client.Resource(s.parent.GVR()).Namespace(s.parent.Namespace).Patch(ctx, s.parent.Name,
		types.ApplyPatchType, body, metav1.PatchOptions{FieldManager: s.fieldManager, Force: &force})
	if err != nil {
		return fmt.Errorf("write applyset parent %s: %w", s.parent, err)
	}
	inv.Exists = true
	inv.GroupKinds, inv.Namespaces, inv.annotations = gks, namespaces, ann
	if r != nil {
		inv.Revision, inv.Summary, inv.Source, inv.AppliedAt = r.Revision, r.Summary, r.Source, r.Time
	}
	return nil
}

// MemberLabels returns the labels every member carries.
func (s *Store) MemberLabels() map[string]string {
	return map[string]string{LabelPartOf: s.parent.ID()}
}

// IsMember reports whether u carries this set's part-of label.
func (s *Store) IsMember(u *unstructured.Unstructured) bool {
	return u.GetLabels()[LabelPartOf] == s.parent.ID()
}

func parseGroupKinds(s string) []schema.GroupKind {
	var gks []schema.GroupKind
	for _, p := range splitList(s) {
		gks = append(gks, schema.ParseGroupKind(p))
	}
	return unionGK(nil, gks)
}

func formatGroupKinds(gks []schema.GroupKind) string {
	parts := make([]string, 0, len(gks))
	for _, gk := range gks {
		parts = append(parts, gk.String())
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func union(a, b []string) []string {
	out := append(append([]string{}, a...), b...)
	out = slices.DeleteFunc(out, func(s string) bool { return s == "" })
	sort.Strings(out)
	return slices.Compact(out)
}

func without(list []string, drop string) []string {
	return slices.DeleteFunc(append([]string{}, list...), func(s string) bool { return s == drop })
}

func unionGK(a, b []schema.GroupKind) []schema.GroupKind {
	out := append(append([]schema.GroupKind{}, a...), b...)
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return slices.Compact(out)
}
