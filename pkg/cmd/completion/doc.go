// Package completion is the `kubectl gitops completion SHELL` command: the shell
// completion script of the kubectl-gitops binary. Completion of `kubectl gitops ...`
// itself goes through kubectl and the kubectl_complete-gitops script (docs/commands/completion.md).
package completion
