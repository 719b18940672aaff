package plan

import (
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
)

// kustomizeChain is a problem as Kustomize reports a malformed resource two
// kustomizations down (from a real build, its root trimmed).
var kustomizeChain = Problem{Source: manifest.Source{File: "app/kustomization.yaml"},
	Message: "kustomize build: accumulating resources: accumulation err='accumulating resources from '../base': " +
		"read base: it is not a regular file: it is a directory': recursed accumulation of path 'base': accumulating resources: " +
		"accumulating resources from 'bad.yaml': MalformedYAMLError: yaml: line 4: did not find expected key in File: bad.yaml"}

func TestProblemBrief(t *testing.T) {
	tests := []struct {
		name      string
		p         Problem
		wantSrc   manifest.Source
		wantCause string
		wantOK    bool
	}{
		{"a chain two kustomizations down", kustomizeChain, manifest.Source{File: "base/bad.yaml", Line: 4}, "did not find expected key", true},
		{"a missing file", Problem{Source: manifest.Source{File: "k/kustomization.yaml"},
			Message: "kustomize build: accumulating resources: accumulating resources from 'gone.yaml': open gone.yaml: no such file or directory"},
			manifest.Source{File: "k/gone.yaml"}, "open gone.yaml: no such file or directory", true},
		{"a file outside the repository stays the kustomization", Problem{Source: manifest.Source{File: "kustomization.yaml"},
			Message: "kustomize build: accumulating resources: accumulating resources from '../../etc/x.yaml': boom"},
			manifest.Source{File: "kustomization.yaml"}, "boom", true},
		{"not Kustomize", Problem{Source: manifest.Source{File: "a.yaml", Line: 2}, Message: "defined twice"},
			manifest.Source{File: "a.yaml", Line: 2}, "defined twice", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, cause, ok := tt.p.Brief()
			if src != tt.wantSrc || cause != tt.wantCause || ok != tt.wantOK {
				t.Errorf("Brief() = %v, %q, %v; want %v, %q, %v", src, cause, ok, tt.wantSrc, tt.wantCause, tt.wantOK)
			}
		})
	}
}

// The Markdown leads with the file:line and the cause; the whole chain is collapsed
// inside the same list item.
func TestWriteMarkdownKustomizeProblem(t *testing.T) {
	got := markdown(t, &Plan{Problems: []Problem{kustomizeChain}}, MarkdownOptions{})
	want := "- `base/bad.yaml:4` did not find expected key\n\n  <details><summary>Kustomize's whole message</summary>\n\n  ```text\n  kustomize build: accumulating"
	if !strings.Contains(got, want) || !strings.Contains(got, "in File: bad.yaml\n  ```\n\n  </details>\n") {
		t.Errorf("got:\n%s", got)
	}
	if strings.Contains(got, "No changes.") {
		t.Errorf("a plan with problems says \"No changes.\":\n%s", got)
	}
}
