package githubapp

import (
	"encoding/json"
	"fmt"
)

// PackageEvent is a `package` or `registry_package` delivery, read into the fields
// image automation needs. go-github v60's own type cannot read GitHub's actual
// payloads (its package_version.metadata and body types do not match them), so the
// webhook parses these two events with this type instead.
type PackageEvent struct {
	Action  string `json:"action"`
	Package struct {
		Name        string `json:"name"`
		Namespace   string `json:"namespace"`
		PackageType string `json:"package_type"` // "CONTAINER", "docker", "npm", ...
		Registry    *struct {
			URL  string `json:"url"`
			Type string `json:"type"`
		} `json:"registry"`
		PackageVersion *struct {
			Version           string `json:"version"`
			PackageURL        string `json:"package_url"` // e.g. "ghcr.io/owner/image:tag"
			ContainerMetadata *struct {
				Tag struct {
					Name   string `json:"name"`
					Digest string `json:"digest"`
				} `json:"tag"`
			} `json:"container_metadata"`
		} `json:"package_version"`
	} `json:"package"`
	Repository *struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
	Installation *struct {
		ID int64 `json:"id"`
	} `json:"installation"`
}

// parseEvent parses a payload into go-github's type for the event, or ours where
// go-github's does not fit GitHub's payloads (package events) or costs too much on
// the request path (pull_request, issue_comment: see events.go).
func parseEvent(name string, payload []byte) (any, error) {
	var ev any
	switch name {
	case "package", "registry_package":
		ev = &PackageEvent{}
	case "pull_request":
		ev = &PullRequestEvent{}
	case "issue_comment":
		ev = &IssueCommentEvent{}
	default:
		return parseGitHubEvent(name, payload)
	}
	if err := json.Unmarshal(payload, ev); err != nil {
		return nil, fmt.Errorf("parse %s payload: %w", name, err)
	}
	return ev, nil
}
