package engine

import (
	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// ManifestProblems turns the errors of manifest.Load into plan problems. Load has
// redacted them already: a Kustomize error may quote a Secret or a generator input.
func ManifestProblems(err error) []plan.Problem {
	var out []plan.Problem
	for _, e := range flatten(err) {
		if me, ok := e.(*manifest.Error); ok {
			msg := me.Err.Error()
			if me.Object != "" {
				msg = me.Object + ": " + msg
			}
			out = append(out, plan.Problem{Source: me.Source, Message: msg})
			continue
		}
		out = append(out, plan.Problem{Message: e.Error()})
	}
	return out
}

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}
