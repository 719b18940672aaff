package images

import (
	"strings"

	"github.com/spf13/pflag"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
)

// AddRegistryFlags registers the flags that say how registries are reached, with the
// values in s as their defaults: the plugin's commands and the bot both register them
// here, so a name and its help are stated once while each keeps its own defaults
// (NewRegistrySettings, narrowed by the bot).
func AddRegistryFlags(fs *pflag.FlagSet, s *RegistrySettings) {
	fs.Float64Var(&s.RPS, "registry-rps", s.RPS, "Requests per second to each registry host, shared by all its image repositories (0: unlimited)")
	fs.IntVar(&s.Burst, "registry-burst", s.Burst, "Burst of requests allowed to each registry host")
	plainHTTP := "loopback and private IP addresses already are, when HTTPS fails"
	if s.PlainHTTPOnlyForInsecureHosts {
		plainHTTP = "no other host is, loopback included"
	}
	fs.StringSliceVar(&s.InsecureHosts, "registry-insecure-host", s.InsecureHosts, "Registry host (HOST:PORT as images name it) reached over plain HTTP (repeatable; "+plainHTTP+")")
	privateDefault := ""
	if len(s.PrivateHosts) > 0 {
		privateDefault = "; replaces the default; --registry-private-host= allows none"
	}
	fs.StringSliceVar(&s.PrivateHosts, "registry-private-host", s.PrivateHosts, "Registry host (HOST or HOST:PORT) or address range (CIDR) that may be reached at a non-public address (repeatable"+privateDefault+"): connections to loopback, private, link-local (cloud metadata) and other non-public addresses are refused otherwise")
	fs.StringVar(&s.DockerConfig, "docker-config", s.DockerConfig, "Docker config.json with registry credentials, read before ~/.docker/config.json and the usual places; ghcr.io falls back to GITHUB_TOKEN when it is set")
	fs.StringVar(&s.PlatformCredentials, "registry-platform-credentials", s.PlatformCredentials, "Credentials of the identity the process runs with, for its cloud's registries only: auto (Google for gcr.io and *-docker.pkg.dev, AWS for private ECR, Azure workload identity for *.azurecr.io), none, or a list such as google,aws")
	fs.DurationVar(&s.Timeout, "registry-timeout", s.Timeout, "Time allowed to list the tags of one image repository")
}

// AddRegistryScanFlags registers the flags of a one-off scan (the plugin's commands):
// which images to ask for, credentials from the cluster's pull secrets, the on-disk tag
// cache and the most tags read.
func AddRegistryScanFlags(fs *pflag.FlagSet, s *RegistrySettings) {
	fs.BoolVar(&s.DisableScanning, "registry-disable-scanning", s.DisableScanning, "Ask no registry (list shows images and policies only; update changes nothing)")
	fs.StringSliceVar(&s.Include, "registry-include-image", s.Include, "Only scan images matching this glob (repeatable), e.g. 'ghcr.io/acme/*'")
	fs.StringSliceVar(&s.Exclude, "registry-exclude-image", s.Exclude, "Do not scan images matching this glob (repeatable; added to the configured or default "+strings.Join(DefaultExclude, ", ")+")")
	fs.StringVar(&s.ClusterCredentials, "cluster-credentials", s.ClusterCredentials, "Read the imagePullSecrets of workloads and their service accounts from the cluster: auto (when a cluster answers), true, false")
	fs.DurationVar(&s.CacheTTL, "registry-cache-ttl", s.CacheTTL, "How long tag lists are reused, in memory and on disk (0: no cache)")
	fs.StringVar(&s.CacheDir, "registry-cache-dir", s.CacheDir, "Directory of the on-disk tag cache (default: the user cache directory/kubectl-gitops/tags)")
	fs.IntVar(&s.MaxTags, "registry-max-tags", s.MaxTags, "Most tags read from one image repository; more is an error for its images")
}

// AddConfigFlag registers --config: the file holding the images: section (ReadRules).
func AddConfigFlag(fs *pflag.FlagSet, configFile *string) {
	fs.StringVar(configFile, "config", *configFile, "File holding the images: section (default: "+ConfigFile+" at the source root: the repository's top for a directory in git)")
}

// AddCommitFlags registers the git flags of the commands that change manifests (names
// as Flux v1's daemon where it had them).
func AddCommitFlags(fs *pflag.FlagSet, c *CommitSettings) {
	fs.BoolVar(&c.Commit, "commit", c.Commit, "Commit the changed files to the git repository holding the source")
	fs.BoolVar(&c.Push, "push", c.Push, "Commit and push the commit (needed when the source is a git URL)")
	fs.StringVar(&c.Branch, "git-branch", c.Branch, "Branch to push to (default: the branch checked out or cloned)")
	fs.StringVar(&c.User, "git-user", c.User, "Commit author name (default: git config user.name)")
	fs.StringVar(&c.Email, "git-email", c.Email, "Commit author email (default: git config user.email)")
	fs.BoolVar(&c.CISkip, "git-ci-skip", c.CISkip, "Append the CI skip message to commit messages")
	fs.StringVar(&c.CISkipMessage, "git-ci-skip-message", c.CISkipMessage, "CI skip message (implies --git-ci-skip; default \""+gitrepo.DefaultCISkipMessage+"\")")
	fs.StringVarP(&c.Message, "message", "m", c.Message, "Commit message (default: a summary of the changes)")
}
