package actionsenv

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
)

// StatusTarget fills the empty fields of t from GitHub Actions' environment:
// Owner and Repo from GITHUB_REPOSITORY, SHA from GITHUB_SHA. Fields already set
// (from flags) win. getenv nil means os.Getenv. The result is validated.
func StatusTarget(t githubapp.StatusTarget, getenv func(string) string) (githubapp.StatusTarget, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	switch {
	case t.Owner == "" && t.Repo == "":
		if env := getenv("GITHUB_REPOSITORY"); env != "" {
			owner, repo, err := githubapp.ParseRepo(env)
			if err != nil {
				return t, fmt.Errorf("GITHUB_REPOSITORY: %w", err)
			}
			t.Owner, t.Repo = owner, repo
		}
	case t.Owner == "" || t.Repo == "":
		return t, fmt.Errorf("status target %s/%s: owner and repository name must be given together", t.Owner, t.Repo)
	}
	if t.SHA == "" {
		t.SHA = strings.TrimSpace(getenv("GITHUB_SHA"))
	}
	if t.Owner == "" {
		return t, errors.New("status target: repository not set (give owner/name, or run in GitHub Actions where GITHUB_REPOSITORY is set)")
	}
	if t.SHA == "" {
		return t, fmt.Errorf("status target %s/%s: commit SHA not set (give it, or run in GitHub Actions where GITHUB_SHA is set)", t.Owner, t.Repo)
	}
	if err := t.Validate(); err != nil {
		return t, fmt.Errorf("status target %s: %w", t, err)
	}
	return t, nil
}
