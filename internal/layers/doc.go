// Package layers holds the test that keeps the project's layers pointing one way
// (docs/ARCHITECTURE.md): the engine packages never import GitHub or a command, the
// GitHub packages never import the plugin's shell, and only the plugin imports pkg/cmd.
// It has no code of its own; it reads the import graph with `go list`.
package layers
