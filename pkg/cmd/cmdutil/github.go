package cmdutil

import (
	"fmt"
	"os"
	"strings"

	"github.com/google/go-github/v60/github"
	"github.com/spf13/pflag"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/actionsenv"
)

// EnvGitHubToken holds the token of every GitHub call (never a flag: a command line
// is visible to every process of the machine).
const EnvGitHubToken = "GITHUB_TOKEN"

// GitHubOptions are what the GitHub calls of a command share: the repository, the
// API root and the link to the run. In GitHub Actions they come from its variables.
type GitHubOptions struct {
	Repo      string
	APIURL    string
	TargetURL string
}

// AddFlags registers --github-repo, --github-api-url and --github-target-url.
func (o *GitHubOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Repo, "github-repo", "", "owner/name of the GitHub repository (default: $GITHUB_REPOSITORY)")
	fs.StringVar(&o.APIURL, "github-api-url", "", "GitHub API URL (default: $GITHUB_API_URL or api.github.com)")
	fs.StringVar(&o.TargetURL, "github-target-url", "", "link shown with the status and the comment (default: the Actions run, when known)")
}

// Client is a GitHub REST client with the token of $GITHUB_TOKEN.
func (o *GitHubOptions) Client() (*github.Client, error) {
	api := o.APIURL
	if api == "" {
		api = os.Getenv("GITHUB_API_URL")
	}
	return githubapp.NewClient(nil, os.Getenv(EnvGitHubToken), api)
}

// Repository is --github-repo, else $GITHUB_REPOSITORY.
func (o *GitHubOptions) Repository() (owner, repo string, err error) {
	s, what := o.Repo, "--github-repo"
	if s == "" {
		s, what = os.Getenv("GITHUB_REPOSITORY"), "GITHUB_REPOSITORY"
	}
	if s == "" {
		return "", "", fmt.Errorf("repository not set: give --github-repo owner/name, or run in GitHub Actions where GITHUB_REPOSITORY is set")
	}
	owner, repo, err = githubapp.ParseRepo(s)
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", what, err)
	}
	return owner, repo, nil
}

// RunURL is --github-target-url, else the Actions run, else "".
func (o *GitHubOptions) RunURL() string {
	if o.TargetURL != "" {
		return o.TargetURL
	}
	return actionsenv.RunURL(os.Getenv)
}

// repoWebURL is the web page of owner/repo ($GITHUB_SERVER_URL, default
// github.com), the root of plancomment.BlobURL's links.
func repoWebURL(owner, repo string) string {
	server := strings.TrimSuffix(os.Getenv("GITHUB_SERVER_URL"), "/")
	if server == "" {
		server = "https://github.com"
	}
	return server + "/" + owner + "/" + repo
}
