// Package cmd assembles the kubectl-gitops command tree.
// It owns the wiring of the subcommands only; each command's logic lives in its
// own package, and the engine (pkg/engine, pkg/images, ...) does the work. Nothing
// outside the plugin (pkg/cmd, cmd/kubectl-gitops) imports it (internal/layers).
package cmd
