package webhook

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/registryevent"
)

// ImagesPushed is the image a package event reports pushed to GHCR: one event, for a
// container package published or updated with a tag (ghcr.io/OWNER/NAME:tag, names
// lowercased as GHCR serves them); none for other packages, other actions and
// untagged versions. Its ID is the package version and tag, the same in the
// `package` and the `registry_package` delivery of one push.
func (e *PackageEvent) ImagesPushed() ([]registryevent.Event, error) {
	if e.Action != "published" && e.Action != "updated" {
		return nil, nil
	}
	p := e.Pkg()
	if !p.isContainer() || p.PackageVersion == nil || p.PackageVersion.ContainerMetadata == nil {
		return nil, nil
	}
	v := p.PackageVersion
	tag := v.ContainerMetadata.Tag.Name
	if tag == "" {
		return nil, nil // pushed by digest only
	}
	repo := repositoryOfPackageURL(v.PackageURL)
	if repo == "" {
		owner, name := p.Owner.Login, p.Name
		if p.Namespace != "" && strings.Contains(p.Namespace, "/") {
			owner, name, _ = strings.Cut(p.Namespace, "/")
		}
		if owner == "" || name == "" {
			return nil, fmt.Errorf("package event: container package without package_url, namespace or owner and name")
		}
		repo = "ghcr.io/" + owner + "/" + name
	}
	digest := v.ContainerMetadata.Tag.Digest
	if digest == "" && strings.HasPrefix(v.Version, "sha256:") {
		digest = v.Version
	}
	id := ""
	if v.ID != 0 {
		id = "github-package:" + strconv.FormatInt(v.ID, 10) + ":" + tag
	}
	ev, err := registryevent.NewEvent(registryevent.FormatGitHubPackage, strings.ToLower(repo), tag, digest, id)
	if err != nil {
		return nil, fmt.Errorf("package event: %w", err)
	}
	return []registryevent.Event{ev}, nil
}

func (p *Package) isContainer() bool {
	return strings.EqualFold(p.PackageType, "container") || strings.EqualFold(p.PackageType, "docker") ||
		p.Registry != nil && strings.EqualFold(p.Registry.Type, "container")
}

// repositoryOfPackageURL is "ghcr.io/owner/name" of "ghcr.io/owner/name:tag" (or
// "@sha256:…"); empty for an empty URL.
func repositoryOfPackageURL(u string) string {
	u = strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	if i := strings.IndexByte(u, '@'); i >= 0 {
		u = u[:i]
	}
	if i := strings.LastIndexByte(u, ':'); i >= 0 && i > strings.LastIndexByte(u, '/') {
		u = u[:i]
	}
	return u
}
