// Package gitrepotest holds test helpers for git over SSH: an in-process SSH server on
// loopback (golang.org/x/crypto/ssh) that accepts one client public key and serves the
// bare repositories under a root directory with git-upload-pack and git-receive-pack,
// and SSH key pairs (plain or passphrase-encrypted) to authenticate with.
// It is used by the tests of pkg/gitrepo and by the end-to-end tests.
package gitrepotest
