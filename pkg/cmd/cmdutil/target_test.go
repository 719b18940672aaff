package cmdutil

import (
	"errors"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
)

func TestManifestProblemsWithholdGeneratorInput(t *testing.T) {
	tests := []struct {
		msg, leak string
	}{
		{"invalid literal source password:hunter2, expected key=value", "hunter2"},
		{`"password hunter2" is not a valid key name: a valid environment variable name must ...`, "hunter2"},
	}
	for _, tt := range tests {
		err := errors.Join(&manifest.Error{Source: manifest.Source{File: "app/kustomization.yaml"}, Err: errors.New(tt.msg)})
		ps := ManifestProblems(err)
		if len(ps) != 1 || strings.Contains(ps[0].String(), tt.leak) || !strings.Contains(ps[0].String(), "app/kustomization.yaml") {
			t.Fatalf("problem %v leaks %q or lost the file", ps, tt.leak)
		}
	}
	ps := ManifestProblems(errors.Join(&manifest.Error{Source: manifest.Source{File: "a.yaml", Line: 3}, Err: errors.New("mapping values are not allowed")}))
	if len(ps) != 1 || ps[0].String() != "a.yaml:3: mapping values are not allowed" {
		t.Fatalf("ordinary problem changed: %v", ps)
	}
}
