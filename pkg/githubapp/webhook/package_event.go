package webhook

import "fmt"

// PackageEvent is a `package` or `registry_package` delivery, read into the fields
// image automation needs. go-github v60's own type cannot read GitHub's actual
// payloads (its package_version.metadata and body types do not match them), so the
// webhook parses these two events with this type instead. A `package` delivery
// fills Package, a `registry_package` one RegistryPackage; Pkg is whichever came.
type PackageEvent struct {
	Action          string   `json:"action"`
	Package         Package  `json:"package"`
	RegistryPackage *Package `json:"registry_package"`
	Repository      *struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
	Installation *struct {
		ID int64 `json:"id"`
	} `json:"installation"`
}

// Package is the package of a package event.
type Package struct {
	Name        string `json:"name"`
	Namespace   string `json:"namespace"`    // "owner/name"
	PackageType string `json:"package_type"` // "CONTAINER", "docker", "npm", ...
	Owner       struct {
		Login string `json:"login"`
	} `json:"owner"`
	Registry *struct {
		URL  string `json:"url"`
		Type string `json:"type"` // "CONTAINER" for GHCR
	} `json:"registry"`
	PackageVersion *struct {
		ID                int64  `json:"id"`
		Version           string `json:"version"`
		PackageURL        string `json:"package_url"` // e.g. "ghcr.io/owner/image:tag"
		ContainerMetadata *struct {
			Tag struct {
				Name   string `json:"name"`
				Digest string `json:"digest"`
			} `json:"tag"`
		} `json:"container_metadata"`
	} `json:"package_version"`
}

// Pkg is the event's package: registry_package's when the delivery has one.
func (e *PackageEvent) Pkg() *Package {
	if e.RegistryPackage != nil {
		return e.RegistryPackage
	}
	return &e.Package
}

// parseEvent parses a payload into go-github's type for the event, or ours where
// go-github's does not fit GitHub's payloads (package and check_run events) or costs too much on
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
	case "check_run":
		ev = &CheckRunEvent{}
	default:
		return parseGitHubEvent(name, payload)
	}
	if err := decodeRouting(payload, ev); err != nil {
		return nil, fmt.Errorf("parse %s payload: %w", name, err)
	}
	return ev, nil
}
