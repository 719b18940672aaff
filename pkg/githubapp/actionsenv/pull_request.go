package actionsenv

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
)

// PullRequest is the pull request a GitHub Actions run is for.
type PullRequest struct {
	Number int
	// HeadSHA is the pull request's head commit: where its statuses show. The run's
	// GITHUB_SHA is a merge commit that GitHub made, which the pull request never shows.
	HeadSHA string
}

// maxEventFile bounds how much of the event payload is read.
const maxEventFile = 25 << 20

// ReadPullRequest reads the pull request of the GitHub Actions event at
// GITHUB_EVENT_PATH (pull_request, pull_request_target and pull_request_review
// events carry one). ok is false outside Actions and for events without a pull
// request (push). getenv nil means os.Getenv.
func ReadPullRequest(getenv func(string) string) (pr PullRequest, ok bool, err error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	path := getenv("GITHUB_EVENT_PATH")
	if path == "" {
		return pr, false, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return pr, false, fmt.Errorf("GITHUB_EVENT_PATH: %w", err)
	}
	defer f.Close()
	var ev struct {
		PullRequest *struct {
			Number int `json:"number"`
			Head   struct {
				SHA string `json:"sha"`
			} `json:"head"`
		} `json:"pull_request"`
	}
	fi, err := f.Stat()
	if err != nil {
		return pr, false, fmt.Errorf("GITHUB_EVENT_PATH: %w", err)
	}
	if fi.Size() > maxEventFile {
		return pr, false, fmt.Errorf("GITHUB_EVENT_PATH %s: %d bytes, more than an event payload can be", path, fi.Size())
	}
	if err := json.NewDecoder(f).Decode(&ev); err != nil {
		return pr, false, fmt.Errorf("GITHUB_EVENT_PATH %s: %w", path, err)
	}
	if ev.PullRequest == nil || ev.PullRequest.Number == 0 {
		return pr, false, nil
	}
	pr = PullRequest{Number: ev.PullRequest.Number, HeadSHA: ev.PullRequest.Head.SHA}
	if err := githubapp.CheckSHA(pr.HeadSHA); err != nil {
		return pr, false, fmt.Errorf("GITHUB_EVENT_PATH %s: pull_request.head.sha: %w", path, err)
	}
	return pr, true, nil
}
