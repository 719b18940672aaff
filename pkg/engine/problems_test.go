package engine

import (
	"errors"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
)

func TestManifestProblems(t *testing.T) {
	err := errors.Join(
		&manifest.Error{Source: manifest.Source{File: "a.yaml", Line: 3}, Err: errors.New("mapping values are not allowed")},
		&manifest.Error{Source: manifest.Source{File: "b.yaml"}, Object: "ConfigMap shop/x", Err: errors.New("bad")},
	)
	ps := ManifestProblems(err)
	if len(ps) != 2 || ps[0].String() != "a.yaml:3: mapping values are not allowed" || ps[1].String() != "b.yaml: ConfigMap shop/x: bad" {
		t.Fatalf("problems: %v", ps)
	}
}
