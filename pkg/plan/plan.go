package plan

import (
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
)

// SchemaVersion is the version of the JSON form of a Plan (see docs/plan-json.md).
// It changes only when a field is removed or changes meaning.
const SchemaVersion = "kubectl-gitops.io/plan/v1"

// Action is what applying the plan does to one object.
type Action string

const (
	Create    Action = "create"
	Update    Action = "update"
	Delete    Action = "delete" // garbage collection (prune)
	Unchanged Action = "unchanged"
	Skip      Action = "skip" // ignored by annotation, or kept by a safety rule
)

// Result is what happened to a change when the plan was executed.
type Result string

const (
	NotRun  Result = ""        // plan only
	Applied Result = "applied" // created or updated
	Deleted Result = "deleted"
	Failed  Result = "failed"
)

// Change is the plan for one object.
type Change struct {
	ID         object.ID       `json:"id"`
	APIVersion string          `json:"apiVersion"`
	Action     Action          `json:"action"`
	Source     manifest.Source `json:"source,omitzero"`
	// Reason explains a skip, or why a create could not be verified
	// ("unverifiable until the CRD ... exists").
	Reason string `json:"reason,omitempty"`
	// Unverified is true when the server could not dry-run the object because its
	// CustomResourceDefinition is created by the same plan.
	Unverified bool `json:"unverified,omitempty"`
	// Diff is a unified diff of the live object against the object after apply,
	// without server-maintained noise and with Secret values masked.
	Diff string `json:"diff,omitempty"`
	// Result and Error are filled in when the plan is executed.
	Result Result `json:"result,omitempty"`
	Error  string `json:"error,omitempty"`

	// DesiredJSON is the object to apply, as the JSON body sent to the server (nil
	// unless NeedsApply: executing the plan sends it as it is, see ServerSideApplyJSON;
	// a plan of thousands of creates holds it for each, and JSON is about a quarter of
	// the memory of the decoded object). Live is the object in the cluster, kept for
	// deletes only; Merged is the server's dry-run of applying the desired object,
	// dropped once the diff is made (Build keeps only what executing the plan needs).
	// They are never serialised: they may hold Secret values.
	DesiredJSON []byte                     `json:"-"`
	Live        *unstructured.Unstructured `json:"-"`
	Merged      *unstructured.Unstructured `json:"-"`

	// refresh asks the executor to re-apply an unchanged object so the cluster records
	// this tool's applied-hash (no visible change).
	refresh bool
}

// DesiredObject decodes DesiredJSON: a new object at every call, nil when there is none.
func (c *Change) DesiredObject() (*unstructured.Unstructured, error) {
	if c.DesiredJSON == nil {
		return nil, nil
	}
	return decodeObject(c.ID, c.DesiredJSON)
}

// GroupVersionKind is the group, version and kind of the changed object.
func (c *Change) GroupVersionKind() schema.GroupVersionKind {
	gv, _ := schema.ParseGroupVersion(c.APIVersion) // empty when it cannot be parsed: mapping it fails
	return gv.WithKind(c.ID.Kind)
}

// NeedsApply reports whether executing the plan sends this object to the server.
func (c *Change) NeedsApply() bool {
	return c.Action == Create || c.Action == Update || (c.Action == Unchanged && c.refresh)
}

// Problem is an error found while planning, tied to an object and its source when known.
// A plan with problems must not be applied.
type Problem struct {
	ID      *object.ID      `json:"id,omitempty"`
	Source  manifest.Source `json:"source,omitzero"`
	Message string          `json:"message"`
}

func (p Problem) String() string {
	s := ""
	if p.Source.File != "" {
		s = p.Source.String() + ": "
	}
	if p.ID != nil {
		s += p.ID.String() + ": "
	}
	return s + p.Message
}

// Plan is the difference between the desired set and the cluster, one Change per object.
type Plan struct {
	SchemaVersion string `json:"schemaVersion"`
	ApplySet      string `json:"applySet"` // "Secret.v1 namespace/name" of the parent
	ApplySetID    string `json:"applySetID"`
	Revision      string `json:"revision,omitempty"` // git commit, when known
	Source        string `json:"source,omitempty"`   // directory or repository URL
	// Repository is the repository read, as a reader names it: its URL without
	// credentials, or "owner/name"; "" for a local directory. Paths are what was read
	// in it, relative to its top ("" or none: all of it). BaseRevision is the commit an
	// offline plan compares against. Unlike Source, none of them is a local path.
	Repository   string    `json:"repository,omitempty"`
	Paths        []string  `json:"paths,omitempty"`
	BaseRevision string    `json:"baseRevision,omitempty"`
	Created      time.Time `json:"created"`
	Changes      []Change  `json:"changes"`
	Problems     []Problem `json:"problems,omitempty"`

	// Retained are members that stay in the cluster without a change (not in git while
	// pruning is off, or already being deleted), and RetainedKinds kinds the cluster
	// does not serve right now: the inventory must keep recording them.
	Retained      []object.ID        `json:"-"`
	RetainedKinds []schema.GroupKind `json:"-"`
}

// Counts is the number of changes per action, and of failures after execution.
type Counts struct {
	Create    int `json:"create"`
	Update    int `json:"update"`
	Delete    int `json:"delete"`
	Unchanged int `json:"unchanged"`
	Skip      int `json:"skip"`
	Failed    int `json:"failed"`
	Problems  int `json:"problems"`
}

// Counts counts the plan's changes.
func (p *Plan) Counts() Counts {
	var c Counts
	for _, ch := range p.Changes {
		switch ch.Action {
		case Create:
			c.Create++
		case Update:
			c.Update++
		case Delete:
			c.Delete++
		case Unchanged:
			c.Unchanged++
		case Skip:
			c.Skip++
		}
		if ch.Result == Failed {
			c.Failed++
		}
	}
	c.Problems = len(p.Problems)
	return c
}

// HasChanges reports whether applying the plan would write anything.
func (p *Plan) HasChanges() bool {
	c := p.Counts()
	return c.Create+c.Update+c.Delete > 0
}

// Sort orders changes by namespace, group, kind and name (a stable, readable order).
func (p *Plan) Sort() {
	sort.SliceStable(p.Changes, func(i, j int) bool { return p.Changes[i].ID.Less(p.Changes[j].ID) })
}
