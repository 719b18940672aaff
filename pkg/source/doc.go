// Package source opens where manifests come from, the one way every command, the bot
// and the Action do it: a directory or a git URL, at an optional ref, restricted to
// optional paths.
//
// The root is what reads are confined to. A directory inside a git work tree has the
// work tree's top as its root, and becomes a path under it, so `SOURCE=deploy/dev` is
// `SOURCE=. --path deploy/dev` and Kustomize overlays may reach bases elsewhere in the
// repository (never outside it). A directory outside git is its own root. A URL (or a
// --ref that a local work tree is not at) is cloned, and the clone's top is the root.
// Paths are always relative to the root, so every file:line printed is the same
// whichever way a command was called.
//
// Open is the only place that opens git for a source, with the credentials of
// Options.Auth (default: gitrepo.AuthFromEnv). Source also reads and writes the YAML
// files the image commands rewrite; writes go through symlinks that stay inside the
// root, so a symlinked manifest stays a symlink.
package source
