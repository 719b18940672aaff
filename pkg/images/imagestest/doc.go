// Package imagestest holds test helpers for image automation: registries on loopback
// that count requests (go-containerregistry's in-memory registry over httptest, and
// Debian's docker-registry started with hack/registry.sh), pushing tags to them, and
// automated manifests that refer to them. It is used by the tests of pkg/images and its
// commands, and by bench/images and bench/automation.
package imagestest
