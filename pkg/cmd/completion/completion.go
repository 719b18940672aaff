package completion

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Shells are the shells a script is generated for.
var Shells = []string{"bash", "zsh", "fish", "powershell"}

// NewCmdCompletion returns the completion command; out receives the script.
func NewCmdCompletion(out io.Writer) *cobra.Command {
	var noDesc bool
	cmd := &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print the shell completion script of kubectl-gitops",
		Long: `Completion prints a shell completion script. Commands, flags, --applyset names read
from the cluster, --context values from the kubeconfig and -n/--namespace values from the
cluster are completed.

"kubectl gitops <TAB>" (kubectl 1.26 or later) needs no script from this command: kubectl's
own completion ("source <(kubectl completion bash)") asks the executable
kubectl_complete-gitops, shipped next to kubectl-gitops in the release archive, for the
candidates; put it on your PATH next to the plugin.

The script this command prints completes the binary called by its own name,
"kubectl-gitops ...".`,
		Example: `  # kubectl gitops <TAB>: kubectl's completion and kubectl_complete-gitops on the PATH
  source <(kubectl completion bash)
  install -m 0755 kubectl_complete-gitops ~/.local/bin/

  # kubectl-gitops <TAB>, in this shell and in every new one
  source <(kubectl gitops completion bash)
  kubectl gitops completion bash > /etc/bash_completion.d/kubectl-gitops
  kubectl gitops completion zsh > "${fpath[1]}/_kubectl-gitops"
  kubectl gitops completion fish > ~/.config/fish/completions/kubectl-gitops.fish
  kubectl gitops completion powershell | Out-String | Invoke-Expression`,
		Args:                  cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		ValidArgs:             Shells,
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			desc := !noDesc
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, desc)
			case "zsh":
				return described(desc, root.GenZshCompletion, root.GenZshCompletionNoDesc)(out)
			case "fish":
				return root.GenFishCompletion(out, desc)
			case "powershell":
				return described(desc, root.GenPowerShellCompletionWithDesc, root.GenPowerShellCompletion)(out)
			}
			return fmt.Errorf("unknown shell %q: want one of %v", args[0], Shells)
		},
	}
	cmd.Flags().BoolVar(&noDesc, "no-descriptions", false, "leave out the descriptions of the candidates")
	return cmd
}

// described is withDesc when the candidates' descriptions are wanted, else noDesc: the
// two generators of a shell whose cobra function takes no desc argument.
func described(desc bool, withDesc, noDesc func(io.Writer) error) func(io.Writer) error {
	if desc {
		return withDesc
	}
	return noDesc
}
