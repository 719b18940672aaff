package images

import "strings"

// Flux v1 workload annotations, honoured unchanged (the older flux.weave.works/ prefix
// too):
//
//	fluxcd.io/automated: "true"          update every container of the workload
//	fluxcd.io/tag.<container>: <policy>  semver:~1.0 | glob:v1.* | regex:^v1 (default glob:*)
//	fluxcd.io/locked: "true"             never update it, and refuse releases without --force
const (
	AnnotationAutomated = "fluxcd.io/automated"
	AnnotationLocked    = "fluxcd.io/locked"
	AnnotationTagPrefix = "fluxcd.io/tag."
)

var fluxPrefixes = []string{"fluxcd.io/", "flux.weave.works/"}

// DefaultFluxPolicy is the policy of an automated container without a tag annotation.
const DefaultFluxPolicy = "glob:*"

// fluxAnnotations are the Flux v1 annotations of one workload.
type fluxAnnotations struct {
	automated, locked bool
	tags              map[string]string // container → policy spec
}

func readFluxAnnotations(ann map[string]string) fluxAnnotations {
	fa := fluxAnnotations{tags: map[string]string{}}
	for _, p := range fluxPrefixes {
		if ann[p+"automated"] == "true" {
			fa.automated = true
		}
		if ann[p+"locked"] == "true" {
			fa.locked = true
		}
	}
	// fluxcd.io/ wins over flux.weave.works/ for the same container.
	for i := len(fluxPrefixes) - 1; i >= 0; i-- {
		for k, v := range ann {
			if c, ok := strings.CutPrefix(k, fluxPrefixes[i]+"tag."); ok && c != "" {
				fa.tags[c] = v
			}
		}
	}
	return fa
}

// policyFor returns the policy spec of a container and whether it is the default.
func (fa fluxAnnotations) policyFor(container string) (spec string, explicit bool) {
	if s, ok := fa.tags[container]; ok {
		return s, true
	}
	return DefaultFluxPolicy, false
}
