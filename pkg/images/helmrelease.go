package images

import (
	"sort"

	"go.yaml.in/yaml/v3"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitopsfile"
)

// HelmRelease images, found where Flux v1's helm-operator looked for them, each named
// as the container its fluxcd.io/tag.<container> annotation refers to:
//
//	values.image: repo:tag                           container "chart-image"
//	values.image: {repository: repo, tag: t}         container "chart-image" (registry: is prefixed)
//	values.<name>.image: repo:tag  (or the map form) container "<name>"
const chartImage = "chart-image"

// helmImage is one image in a HelmRelease's values.
type helmImage struct {
	container string
	path      string
	full      *yaml.Node // repo:tag scalar, or
	repo      string     // the map form: repository (with registry) and
	tag       *yaml.Node // the tag scalar
}

func (d doc) helmImages() []helmImage {
	if d.kind != "HelmRelease" {
		return nil
	}
	values := gitopsfile.MappingValue(gitopsfile.MappingValue(d.root, "spec"), "values")
	if values == nil || values.Kind != yaml.MappingNode {
		return nil
	}
	var out []helmImage
	if hi, ok := helmImageAt(gitopsfile.MappingValue(values, "image"), chartImage, "spec.values.image"); ok {
		out = append(out, hi)
	}
	var names []string
	for i := 0; i+1 < len(values.Content); i += 2 {
		if values.Content[i+1].Kind == yaml.MappingNode {
			names = append(names, values.Content[i].Value)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if n == "image" {
			continue
		}
		if hi, ok := helmImageAt(gitopsfile.MappingValue(gitopsfile.MappingValue(values, n), "image"), n, "spec.values."+n+".image"); ok {
			out = append(out, hi)
		}
	}
	return out
}

func helmImageAt(n *yaml.Node, container, path string) (helmImage, bool) {
	switch {
	case n == nil:
		return helmImage{}, false
	case n.Kind == yaml.ScalarNode && n.Value != "":
		return helmImage{container: container, path: path, full: n}, true
	case n.Kind == yaml.MappingNode:
		repo := scalar(gitopsfile.MappingValue(n, "repository"))
		tag := gitopsfile.MappingValue(n, "tag")
		if repo == "" || tag == nil || tag.Kind != yaml.ScalarNode {
			return helmImage{}, false
		}
		if reg := scalar(gitopsfile.MappingValue(n, "registry")); reg != "" {
			repo = reg + "/" + repo
		}
		return helmImage{container: container, path: path + ".tag", repo: repo, tag: tag}, true
	}
	return helmImage{}, false
}
