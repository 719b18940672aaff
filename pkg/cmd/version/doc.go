// Package version is `kubectl gitops version`: the version, commit and date that the
// release build set (pkg/version), with the Go version and platform; `-o json` for
// scripts. It also gives the root command its `--version`.
package version
