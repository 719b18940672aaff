package main

import (
	"crypto/rsa"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
)

// appID is the fake App's id.
const appID = 5

// newGitHub starts the fake GitHub as the App's API, with installations and their
// repositories; repos are served from their bare repositories.
func newGitHub(cl *cleanups, checked bool, key *rsa.PublicKey, installs map[int64][]string, repos ...gitRepo) (*githubtest.Server, error) {
	var gh *githubtest.Server
	if checked {
		if _, err := githubtest.LoadSpec(); err != nil {
			return nil, err
		}
		gh = githubtest.NewChecked(cl)
	} else {
		gh = githubtest.New(cl)
	}
	ids := map[int64]bool{}
	for id := range installs {
		ids[id] = true
	}
	gh.App = &githubtest.App{ID: appID, Slug: "kubectl-gitops", Key: key, TokenTTL: time.Hour, Installations: ids, Repos: installs}
	for _, r := range repos {
		gh.AddRepo(&githubtest.Repo{FullName: r.full(), GitDir: r.bare, CloneURL: r.cloneURL})
	}
	return gh, nil
}
