// Package apply is the `kubectl gitops apply` command: plan, then apply with
// server-side apply in stages, prune, record the result in the cluster and, when asked,
// as a GitHub commit status and a git sync tag; optionally in a loop.
package apply
