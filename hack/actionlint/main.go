// Command actionlint lints GitHub workflow files with github.com/rhysd/actionlint as a
// library, for internal/actiontest's tests. It is a module of its own because
// actionlint needs a release candidate of go.yaml.in/yaml/v4 whose API the final
// release (required by the main module's dependencies) changed.
//
//	go run . -root REPO [-action] FILE...
//
// Each FILE is linted as a workflow of the repository at REPO, so `uses: ./` resolves
// to REPO's action.yml and the inputs given to it are checked. With -action, REPO's
// action.yml must also parse as action metadata. Errors are printed one per line as
// FILE:LINE:COL: MESSAGE [KIND]; the exit status is 1 when there are any.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/rhysd/actionlint"
)

func main() {
	root := flag.String("root", ".", "the repository")
	action := flag.Bool("action", false, "also check that the repository's action.yml parses")
	flag.Parse()
	n, err := run(*root, *action, flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "actionlint:", err)
		os.Exit(2)
	}
	if n > 0 {
		os.Exit(1)
	}
}

func run(root string, action bool, files []string) (int, error) {
	// Shellcheck and pyflakes off: the result must not depend on the machine.
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{WorkingDir: root})
	if err != nil {
		return 0, err
	}
	proj, err := actionlint.NewProject(root)
	if err != nil {
		return 0, err
	}
	n := 0
	if action {
		meta, _, err := actionlint.NewLocalActionsCache(proj, nil).FindMetadata("./")
		if err != nil {
			return 0, err
		}
		if meta == nil {
			return 0, fmt.Errorf("no action.yml in %s", root)
		}
		if meta.Runs.Using != "composite" {
			fmt.Printf("action.yml:0:0: runs.using is %q, want composite [action]\n", meta.Runs.Using)
			n++
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return 0, err
		}
		errs, err := l.Lint(f, data, proj)
		if err != nil {
			return 0, err
		}
		for _, e := range errs {
			fmt.Printf("%s:%d:%d: %s [%s]\n", f, e.Line, e.Column, e.Message, e.Kind)
		}
		n += len(errs)
	}
	return n, nil
}
