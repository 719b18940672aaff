// Package gitrepotest holds real git repositories and remotes for tests and benchmarks:
// work trees made from a map of files and changed by the git CLI with a fixed identity
// and none of the user's configuration, their bare clones, an in-process SSH server on
// loopback (golang.org/x/crypto/ssh) that accepts one client public key and serves the
// bare repositories under a root directory with git-upload-pack and git-receive-pack,
// SSH key pairs (plain or passphrase-encrypted) to authenticate with, and git's own
// git-http-backend over HTTP on loopback.
// It never uses go-git nor imports pkg/gitrepo, whose tests use it, as do cmd/bot's,
// the end-to-end tests and bench/bot.
package gitrepotest
