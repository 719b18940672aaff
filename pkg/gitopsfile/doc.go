// Package gitopsfile owns .gitops.yaml, the one configuration file of a repository: its
// name, its top-level keys (an unknown one is an error naming file and line), reading it
// safely (through pkg/repofile: a regular file inside the root, within a size limit),
// and parsing it once. Each section is handed to the package that owns it as a YAML node
// (pkg/manifest: generators, pkg/images: images, pkg/githubapp: the bot's sections),
// with Decode for reading one strictly and Error for problems at a line.
//
// It knows nothing of what a section means beyond its key; it never writes, runs a
// generator or reaches the network.
package gitopsfile
