// Command docs regenerates the flag tables of docs/commands/*.md from the command tree
// (`make docs`); the prose around them is hand-written. pkg/cmd's TestCommandDocs
// fails when a table is out of date.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-gitops/kubectl-gitops/internal/clidoc"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/cmd"
)

func main() {
	dir := "docs/commands"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	root := cmd.NewRoot(genericiooptions.IOStreams{Out: io.Discard, ErrOut: io.Discard})
	pages, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil || len(pages) == 0 {
		fmt.Fprintf(os.Stderr, "no pages in %s\n", dir)
		os.Exit(1)
	}
	failed := false
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		out, err := clidoc.UpdatePage(string(b), root)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", p, err)
			failed = true
			continue
		}
		if out != string(b) {
			if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			fmt.Println("updated", p)
		}
	}
	if failed {
		os.Exit(1)
	}
}
