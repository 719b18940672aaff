// Package registryevent owns image push notifications from container registries: the
// formats they arrive in (the distribution notification envelope, Docker Hub, Harbor,
// Quay; GitHub's package events for GHCR are read by pkg/githubapp into the same
// type), how each is authenticated, and the one type they all become: an Event naming
// the image repository and tag that was pushed. Detect and Parse read a notification;
// Authenticate checks its shared secret; Handler serves them over HTTP, dropping
// replayed event IDs. It knows nothing of git, manifests or pull requests; the bot
// decides what an event touches.
package registryevent
