// Package inventory owns what this tool has applied to a cluster: a kubectl
// ApplySet (KEP-3659) parent object — a Secret or ConfigMap carrying the
// applyset.kubernetes.io labels and annotations — whose members carry the
// applyset.kubernetes.io/part-of label, plus the lock (a Lease) that serializes
// applies of one set, and the record of the last applied revision.
//
// Unlike kubectl today, one set spans many namespaces: the parent's
// additional-namespaces annotation lists them and members are listed cluster-wide.
// Crash safety follows the KEP: the parent's group-kinds and namespaces are widened
// before members are created, and narrowed only after pruned members are deleted.
//
// It never plans, applies or prunes: pkg/plan and pkg/apply drive it.
package inventory
