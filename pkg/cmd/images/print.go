package images

import (
	"fmt"
	"io"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
)

// printProblems lists problems, one a line, under a heading.
func printProblems(w io.Writer, problems []images.Problem) {
	if len(problems) == 0 {
		return
	}
	fmt.Fprintf(w, "%d problem(s):\n", len(problems))
	for _, p := range problems {
		fmt.Fprintf(w, "  %s\n", p)
	}
}
