// Package release holds the release checks of `make test`: .goreleaser.yaml passes
// `goreleaser check`, and a release of it, made in a temporary copy of the repository
// with only its publishing destinations pointed at loopback, gives the archives krew
// and the Action expect (checked by krew's own manifest validator, which installs every
// platform with krew), binaries that say their version, and a bot image whose
// entrypoint is the bot, running as non-root. docs/releasing.md describes the release.
package release
