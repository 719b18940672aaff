package images

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/google"
	"golang.org/x/oauth2"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/netguard"
)

// googleProvider authenticates to GCR and Artifact Registry with go-containerregistry's
// google authenticators: Application Default Credentials (which ask the metadata server
// on GCE/GKE), then the gcloud CLI.
type googleProvider struct{ cache *cachedAuth }

func newGoogleProvider(opts PlatformOptions) *googleProvider {
	return &googleProvider{cache: newCachedAuth(PlatformGoogle, opts)}
}

// matches: gcr.io, *.gcr.io and Artifact Registry's <location>-docker.pkg.dev.
func (g *googleProvider) matches(host string) bool {
	return host == "gcr.io" || strings.HasSuffix(host, ".gcr.io") || strings.HasSuffix(host, "-docker.pkg.dev")
}

// resolve shares one identity across Google's registries: the token source refreshes
// its access token before it expires.
func (g *googleProvider) resolve(ctx context.Context, _ authn.Resource) (authn.Authenticator, error) {
	return g.cache.get(ctx, "google", func() (authn.Authenticator, time.Time, error) {
		// The token source outlives this call: it must not stop with ctx.
		bg := context.WithoutCancel(ctx)
		// Token exchanges (service account keys, workload identity federation) go through
		// oauth2's client from the context; without one it uses Go's default transport,
		// which netguard closes.
		bg = context.WithValue(bg, oauth2.HTTPClient, netguard.Client())
		auth, envErr := google.NewEnvAuthenticator(bg)
		if envErr == nil && auth != authn.Anonymous {
			return auth, time.Time{}, nil
		}
		auth, gErr := google.NewGcloudAuthenticator(bg)
		if gErr == nil && auth != authn.Anonymous {
			return auth, time.Time{}, nil
		}
		if gErr == nil {
			gErr = errors.New("gcloud not found")
		}
		return nil, time.Time{}, errors.Join(envErr, gErr)
	}), nil
}
