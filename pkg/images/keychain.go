package images

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/docker/cli/cli/config"
	"github.com/docker/cli/cli/config/configfile"
	"github.com/google/go-containerregistry/pkg/authn"
	kauth "github.com/google/go-containerregistry/pkg/authn/kubernetes"
	"github.com/google/go-containerregistry/pkg/name"
	"k8s.io/client-go/kubernetes"
)

// DockerConfigKeychain reads credentials from a docker config.json file (auths and
// credential helpers), as `docker login` writes it.
func DockerConfigKeychain(path string) (authn.Keychain, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("docker config: %w", err)
	}
	defer f.Close()
	cf, err := config.LoadFromReader(f)
	if err != nil {
		return nil, fmt.Errorf("docker config %s: %w", path, err)
	}
	return &dockerConfigKeychain{cf: cf}, nil
}

type dockerConfigKeychain struct{ cf *configfile.ConfigFile }

func (k *dockerConfigKeychain) Resolve(target authn.Resource) (authn.Authenticator, error) {
	for _, key := range []string{target.String(), target.RegistryStr()} {
		if key == name.DefaultRegistry {
			key = authn.DefaultAuthKey
		}
		cfg, err := k.cf.GetAuthConfig(key)
		if err != nil {
			return nil, fmt.Errorf("credentials for %s: %w", key, err)
		}
		if cfg.Username != "" || cfg.Password != "" || cfg.Auth != "" || cfg.IdentityToken != "" || cfg.RegistryToken != "" {
			return authn.FromConfig(authn.AuthConfig{
				Username: cfg.Username, Password: cfg.Password, Auth: cfg.Auth,
				IdentityToken: cfg.IdentityToken, RegistryToken: cfg.RegistryToken,
			}), nil
		}
	}
	return authn.Anonymous, nil
}

// PullSecretRef is where a workload's pods get registry credentials: the pod spec's
// imagePullSecrets and those of its service account.
type PullSecretRef struct {
	Namespace      string
	ServiceAccount string
	Secrets        []string
}

func (p PullSecretRef) key() string {
	return p.Namespace + "/" + p.ServiceAccount + "/" + strings.Join(p.Secrets, ",")
}

// PullSecretRefs returns the distinct pull-secret references of the workloads of imgs
// (only images that will ask a registry matter, but listing all is harmless).
func PullSecretRefs(imgs []Image) []PullSecretRef {
	seen := map[string]bool{}
	var out []PullSecretRef
	for _, im := range imgs {
		if im.pull == nil {
			continue
		}
		if k := im.pull.key(); !seen[k] {
			seen[k] = true
			out = append(out, *im.pull)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

// ClusterKeychain reads the imagePullSecrets of the given workloads (and of their
// service accounts) from the cluster. Secrets that do not exist are ignored; any other
// error is returned. Secret values are never logged.
func ClusterKeychain(ctx context.Context, client kubernetes.Interface, refs []PullSecretRef) (authn.Keychain, error) {
	var kcs []authn.Keychain
	for _, r := range refs {
		kc, err := kauth.New(ctx, client, kauth.Options{
			Namespace:          r.Namespace,
			ServiceAccountName: r.ServiceAccount,
			ImagePullSecrets:   r.Secrets,
		})
		if err != nil {
			return nil, fmt.Errorf("pull secrets of namespace %s (service account %s): %w", r.Namespace, r.ServiceAccount, err)
		}
		kcs = append(kcs, kc)
	}
	return authn.NewMultiKeychain(kcs...), nil
}
