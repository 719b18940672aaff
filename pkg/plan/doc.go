// Package plan owns the Plan: the desired set compared with the live cluster, one Change
// per object (create, update, delete, unchanged, skip) with a noise-free, Secret-masked
// unified diff, and its renderings as text, Markdown and JSON.
//
// Build computes a Plan with server-side dry-run apply; it never writes to the cluster.
// It never writes to the cluster (pkg/apply executes a Plan), never reads files
// (pkg/source and pkg/manifest hand it objects) and never talks to GitHub.
package plan
