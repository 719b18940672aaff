package registryevent

// Event is one image pushed to a registry.
type Event struct {
	// Repository is the image repository as go-containerregistry names it
	// (name.Repository.Name(): "ghcr.io/acme/app", "index.docker.io/library/nginx").
	Repository string `json:"repository"`
	// Tag is the pushed tag; empty for a push by digest only.
	Tag string `json:"tag,omitempty"`
	// Digest is the manifest digest when the notification carries it.
	Digest string `json:"digest,omitempty"`
	// Format names the notification format it came from ("distribution", "dockerhub",
	// "harbor", "quay", "github-package").
	Format string `json:"format"`
	// ID identifies the notification for deduplication when the format has one.
	ID string `json:"id,omitempty"`
}
