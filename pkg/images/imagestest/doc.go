// Package imagestest holds test helpers for image automation: registries on loopback
// that count requests (go-containerregistry's in-memory registry over httptest, and
// Debian's docker-registry started with hack/registry.sh), and pushing tags to them.
// It is used by the tests of pkg/images and its commands, and by bench/images.
package imagestest
