// Package plan is the `kubectl gitops plan` command: what applying a git path would
// change in the cluster, one entry per object, with diffs; it writes nothing.
package plan
