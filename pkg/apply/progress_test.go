package apply

import (
	"bytes"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// TestBarProgressFinishesCutStages: a stage cut short must not make Finish hang.
func TestBarProgressFinishesCutStages(t *testing.T) {
	var out bytes.Buffer
	p := NewBarProgress(&out)
	p.Stage("namespaced", 3)
	p.Done(&plan.Change{Result: plan.Applied})
	p.Stage("prune", 1)
	p.Done(&plan.Change{Result: plan.Deleted})
	p.Finish()
	if !bytes.Contains(out.Bytes(), []byte("prune")) {
		t.Fatalf("no bar drawn: %q", out.String())
	}
}
