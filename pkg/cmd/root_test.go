package cmd_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-gitops/kubectl-gitops/internal/clidoc"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/cmd"
)

func newRoot(out *bytes.Buffer) *cobra.Command {
	return cmd.NewRoot(genericiooptions.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: out})
}

// TestHelpSaysKubectlGitops runs --help of every command: usage, examples and hints name
// the plugin as kubectl users call it, "kubectl gitops ...", never "kubectl-gitops ...",
// and every example is a command line the tree accepts (command and flags exist).
func TestHelpSaysKubectlGitops(t *testing.T) {
	var sink bytes.Buffer
	paths := [][]string{}
	root := newRoot(&sink)
	skip := len(strings.Fields(root.CommandPath()))
	for _, c := range clidoc.Commands(root) {
		paths = append(paths, strings.Fields(c.CommandPath())[skip:])
	}
	if len(paths) < 8 {
		t.Fatalf("only %d commands found: %v", len(paths), paths)
	}
	for _, p := range paths {
		name := strings.Join(append([]string{"kubectl gitops"}, p...), " ")
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			root := newRoot(&out)
			root.SetArgs(append(p, "--help"))
			if err := root.ExecuteContext(context.Background()); err != nil {
				t.Fatal(err)
			}
			help := out.String()
			if !strings.Contains(help, "Usage:\n  "+name) {
				t.Errorf("usage does not start with %q:\n%s", name, help)
			}
			section := ""
			for _, line := range strings.Split(help, "\n") {
				trimmed := strings.TrimSpace(line)
				if strings.HasSuffix(line, ":") && !strings.HasPrefix(line, " ") {
					section = line
				}
				if strings.HasPrefix(trimmed, "kubectl-gitops") {
					t.Errorf("a line starts with kubectl-gitops: %q", line)
				}
				if section == "Usage:" && trimmed != "" && trimmed != "Usage:" && !strings.HasPrefix(trimmed, "kubectl gitops") {
					t.Errorf("usage line %q does not say kubectl gitops", line)
				}
				if section == "Examples:" && strings.HasPrefix(trimmed, "kubectl gitops") {
					if err := clidoc.Check(root, 2, trimmed); err != nil {
						t.Errorf("example: %v", err)
					}
				}
			}
			if strings.Contains(help, "Use \"") && !strings.Contains(help, `Use "kubectl gitops `) {
				t.Errorf("the help hint does not say kubectl gitops:\n%s", help)
			}
		})
	}
}

// TestCompletionScripts: each shell's script is printed, completing the binary's name;
// an unknown shell is refused.
func TestCompletionScripts(t *testing.T) {
	for shell, want := range map[string]string{
		"bash":       "complete -o default -F __start_kubectl-gitops kubectl-gitops",
		"zsh":        "#compdef kubectl-gitops",
		"fish":       "complete -c kubectl-gitops",
		"powershell": "Register-ArgumentCompleter -CommandName 'kubectl-gitops'",
	} {
		t.Run(shell, func(t *testing.T) {
			var out bytes.Buffer
			root := newRoot(&out)
			root.SetArgs([]string{"completion", shell})
			if err := root.ExecuteContext(context.Background()); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), want) {
				t.Errorf("script lacks %q:\n%.500s", want, out.String())
			}
		})
	}
	var out bytes.Buffer
	root := newRoot(&out)
	root.SetArgs([]string{"completion", "tcsh"})
	if err := root.ExecuteContext(context.Background()); err == nil || !strings.Contains(err.Error(), "tcsh") {
		t.Errorf("completion tcsh: want an error naming it, got %v", err)
	}
}
