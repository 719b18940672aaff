// Package registryevent owns image push notifications from container registries: the
// formats they arrive in (the distribution notification envelope, Docker Hub, Harbor,
// Quay, and GitHub's package events for GHCR), how each is authenticated, and the one
// type they all become: an Event naming the image repository and tag that was pushed.
// It knows nothing of git, manifests or pull requests; the bot decides what an event
// touches.
package registryevent
