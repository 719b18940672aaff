package images

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/awslabs/amazon-ecr-credential-helper/ecr-login/api"
	"github.com/google/go-containerregistry/pkg/authn"
)

// ecrTokenReuse is how long an ECR password is reused from memory; ECR issues them for
// 12 hours (the helper library also caches them on disk, see its AWS_ECR_CACHE_DIR and
// AWS_ECR_DISABLE_CACHE).
const ecrTokenReuse = time.Hour

// awsProvider authenticates to private ECR registries with the ECR credential helper
// library: the AWS default credential chain (environment, shared config and SSO, IRSA
// web identity, ECS and EC2 instance roles) signs ecr:GetAuthorizationToken. Endpoints
// follow the SDK's settings (AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL_STS, ...).
type awsProvider struct {
	cache *cachedAuth

	mu      sync.Mutex
	clients map[string]api.Client // by region
}

func newAWSProvider(opts PlatformOptions) *awsProvider {
	return &awsProvider{cache: newCachedAuth(PlatformAWS, opts), clients: map[string]api.Client{}}
}

// matches: <account>.dkr.ecr[-fips].<region>.amazonaws.com and the other partitions.
// ECR Public (public.ecr.aws) is left anonymous: it serves pulls without credentials.
func (a *awsProvider) matches(host string) bool {
	reg, err := api.ExtractRegistry(host)
	return err == nil && reg.Service == api.ServiceECR
}

func (a *awsProvider) resolve(ctx context.Context, target authn.Resource) (authn.Authenticator, error) {
	host := target.RegistryStr()
	return a.cache.get(ctx, host, func() (authn.Authenticator, time.Time, error) {
		reg, err := api.ExtractRegistry(host)
		if err != nil {
			return nil, time.Time{}, err
		}
		client, err := a.client(ctx, reg)
		if err != nil {
			return nil, time.Time{}, err
		}
		auth, err := client.GetCredentials(host)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("ecr: %w", err)
		}
		return authn.FromConfig(authn.AuthConfig{Username: auth.Username, Password: auth.Password}), time.Now().Add(ecrTokenReuse), nil
	}), nil
}

// client returns the ECR client of a registry's region, loading the AWS configuration
// once per region.
func (a *awsProvider) client(ctx context.Context, reg *api.Registry) (api.Client, error) {
	key := reg.Region
	if reg.FIPS {
		key += "-fips"
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.clients[key]; ok {
		return c, nil
	}
	opts := []func(*config.LoadOptions) error{config.WithRegion(reg.Region)}
	if reg.FIPS {
		opts = append(opts, config.WithUseFIPSEndpoint(aws.FIPSEndpointStateEnabled))
	}
	cfg, err := config.LoadDefaultConfig(context.WithoutCancel(ctx), opts...)
	if err != nil {
		return nil, fmt.Errorf("aws configuration: %w", err)
	}
	c := api.DefaultClientFactory{}.NewClientWithOptions(api.Options{Config: cfg})
	a.clients[key] = c
	return c, nil
}
