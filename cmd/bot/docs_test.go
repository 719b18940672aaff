package main

import (
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/pflag"

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

// TestBotFlagTable: the flag table of docs/bot.md ("Running it") lists every flag of
// the bot, and no flag it does not have.
func TestBotFlagTable(t *testing.T) {
	b, err := os.ReadFile("../../docs/bot.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(b), "\n## Running it\n")
	section, _, _ = strings.Cut(section, "\n## ")
	documented := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `--") {
			continue
		}
		first := strings.Split(line, "|")[1] // "`--max-objects`, `--max-render-bytes`"
		for _, m := range regexp.MustCompile("`--([a-z0-9-]+)`").FindAllStringSubmatch(first, -1) {
			documented[m[1]] = true
		}
	}
	if len(documented) < 20 {
		t.Fatalf("only %d flags found in the table of docs/bot.md", len(documented))
	}
	cmd := NewCommand(io.Discard, io.Discard, func(string) string { return "" })
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Name == "help" || f.Name == "version" {
			return
		}
		if !documented[f.Name] {
			t.Errorf("--%s is not in the flag table of docs/bot.md", f.Name)
		}
		delete(documented, f.Name)
	})
	for name := range documented {
		t.Errorf("docs/bot.md's flag table lists --%s, which the bot does not have", name)
	}
}
