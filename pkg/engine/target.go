package engine

import "github.com/kubectl-gitops/kubectl-gitops/pkg/plan"

// The defaults of a Target: the plugin's flags and the bot take them from here.
const (
	// DefaultApplySet is the ApplySet (inventory) parent: [secret/|configmap/]NAME.
	DefaultApplySet = "gitops"
	// DefaultConcurrency is how many API requests run in parallel.
	DefaultConcurrency = 16
	// DefaultQPS is the client-side request rate; negative is unlimited: Concurrency
	// bounds the requests in flight, and the API server's priority and fairness
	// protects it.
	DefaultQPS float32 = -1
	// DefaultBurst is the client-side request burst, with a positive QPS.
	DefaultBurst = 200
	// DefaultPrune deletes the members of the ApplySet that are no longer in git.
	DefaultPrune = true
	// DefaultMaxDeletes is the most objects a plan may prune (-1: no limit).
	DefaultMaxDeletes = -1
)

// Target is what to plan and how: which ApplySet and namespaces, the client's limits,
// and the settings that shape the plan.
type Target struct {
	// ApplySet is the ApplySet parent: [secret/|configmap/]NAME.
	ApplySet string
	// ApplySetNamespace is the parent's namespace ("": the kubeconfig's, see Connect).
	ApplySetNamespace string
	// DefaultNamespace is given to namespaced objects without one ("": the
	// kubeconfig's, see Connect).
	DefaultNamespace string
	// AllowNamespaces refuse objects outside them (names or globs); empty allows all.
	AllowNamespaces []string
	// NamespacedOnly refuses cluster-scoped objects (plan.Options.NamespacedOnly); the
	// bot sets it for a grant of some namespaces only.
	NamespacedOnly bool
	// FieldManager is the server-side apply field manager.
	FieldManager string
	// Concurrency is how many API requests run in parallel.
	Concurrency int
	// QPS and Burst limit the client's request rate (negative QPS: unlimited).
	QPS   float32
	Burst int

	// Prune deletes members of the ApplySet no longer in the source.
	Prune bool
	// AllowEmpty allows pruning when the rendered set is empty.
	AllowEmpty bool
	// MaxDeletes refuses to prune more objects than this (-1: no limit).
	MaxDeletes int
	// ForceConflicts takes over fields other field managers own.
	ForceConflicts bool
	// FullDryRun dry-runs every object, even those unchanged since they were applied.
	FullDryRun bool
}

// DefaultTarget is the Target of the defaults: the plugin's flags before they are
// set, and what the bot overlays a repository's settings on.
func DefaultTarget() Target {
	return Target{
		ApplySet:     DefaultApplySet,
		FieldManager: plan.DefaultFieldManager,
		Concurrency:  DefaultConcurrency,
		QPS:          DefaultQPS,
		Burst:        DefaultBurst,
		Prune:        DefaultPrune,
		MaxDeletes:   DefaultMaxDeletes,
	}
}
