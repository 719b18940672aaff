// Package clidoc keeps the documentation of a cobra command tree true to it: it
// generates the flag tables of docs/commands/*.md (between BEGIN FLAGS / END FLAGS
// markers, prose around them stays hand-written), and it checks command lines found in
// Markdown (`kubectl gitops apply --prune ...`) against the tree: the command must
// exist and so must every flag the line names.
package clidoc
