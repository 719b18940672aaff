// Package version is what a build of kubectl-gitops and of its bot says it is: the
// version, commit and date that the release build (.goreleaser.yaml) and `make build`
// set with -ldflags -X, with the Go toolchain and platform. A plain `go build` or
// `go install` falls back to what the Go toolchain recorded (module version, vcs
// revision and time), then to "dev" and "unknown".
// It never does I/O.
package version
