// Package release holds `kubectl gitops release`, the fluxctl release equivalent: it
// sets an image tag on chosen workloads by editing the manifests in git (never the
// cluster), then commits and pushes when asked. Logic lives in pkg/images.Release.
package release
