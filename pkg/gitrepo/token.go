package gitrepo

import (
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

// TokenAuth is the credentials of a GitHub token (an installation's, GITHUB_TOKEN, a
// personal access token) for http(s) remotes: basic auth with the user
// "x-access-token", which GitHub accepts for every kind of token.
func TokenAuth(token string) transport.AuthMethod {
	return &githttp.BasicAuth{Username: "x-access-token", Password: token}
}
