// Package gitrepotest holds real git remotes for tests and benchmarks: an in-process
// SSH server on loopback (golang.org/x/crypto/ssh) that accepts one client public key
// and serves the bare repositories under a root directory with git-upload-pack and
// git-receive-pack, SSH key pairs (plain or passphrase-encrypted) to authenticate
// with, and git's own git-http-backend over HTTP on loopback (http.go).
// It is used by the tests of pkg/gitrepo, the end-to-end tests and bench/bot.
package gitrepotest
