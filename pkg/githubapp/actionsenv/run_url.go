package actionsenv

import (
	"os"
	"strings"
)

// RunURL returns the URL of the current GitHub Actions run
// ($GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID), a good
// githubapp.WithTargetURL, or "" outside Actions. getenv nil means os.Getenv.
func RunURL(getenv func(string) string) string {
	if getenv == nil {
		getenv = os.Getenv
	}
	server, repo, run := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID")
	if server == "" || repo == "" || run == "" {
		return ""
	}
	return strings.TrimSuffix(server, "/") + "/" + repo + "/actions/runs/" + run
}
