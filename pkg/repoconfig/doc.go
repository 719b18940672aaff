// Package repoconfig reads the bot's sections of a repository's .gitops.yaml:
// targets (what to plan, against which cluster), comments, forks, notify and
// imagePullRequests. pkg/gitopsfile owns the file (its name, its top level, reading
// it safely) and hands each section over as a YAML node; this package decodes and
// checks those sections, with errors that name file and line.
//
// It reads bytes it is given: it never fetches the file (the bot does, through
// pkg/githubapp), never talks to GitHub or a cluster, and imports nothing of the
// commands or of GitHub, so it sits with the engine packages.
package repoconfig
