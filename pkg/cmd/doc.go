// Package cmd assembles the kubectl-gitops command tree.
package cmd
