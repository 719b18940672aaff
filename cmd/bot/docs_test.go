package main

import (
	"io"
	"os"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/internal/clidoc"
)

// TestFluxGuideBotFlags: every `kubectl-gitops-bot ...` command line of the Flux v1
// migration guide and of docs/bot.md names flags the bot has.
func TestFluxGuideBotFlags(t *testing.T) {
	cmd := NewCommand(io.Discard, io.Discard, func(string) string { return "" })
	checked := 0
	for _, f := range []string{"../../docs/migrating-from-flux-v1.md", "../../docs/bot.md"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range clidoc.Lines(string(b), "kubectl-gitops-bot") {
			checked++
			if err := clidoc.Check(cmd, 1, l.Text); err != nil {
				t.Errorf("%s:%d: %v", f, l.No, err)
			}
		}
	}
	if checked < 5 {
		t.Errorf("only %d kubectl-gitops-bot command lines found", checked)
	}
}
