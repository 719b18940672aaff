// Package gitrepotest holds real git repositories and remotes for tests and benchmarks:
// work trees made from a map of files (or from a directory already written) and
// changed by the git CLI with a fixed identity and none of the user's configuration,
// their bare clones, bare repositories made from a map of files without a work tree,
// an in-process SSH server on loopback (golang.org/x/crypto/ssh) that accepts one
// client public key and serves the bare repositories under a root directory with
// git-upload-pack and git-receive-pack, SSH key pairs (plain or passphrase-encrypted)
// to authenticate with, and git's own git-http-backend over HTTP on loopback.
// Git fails a test; Run and NewBare return errors instead, for code without a test's
// t: githubtest's git side, the benchmarks' fixtures.
// It never uses go-git nor imports pkg/gitrepo, whose tests use it, as do cmd/bot's,
// the end-to-end tests and the benchmarks.
package gitrepotest
