package cmd_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/internal/clidoc"
)

// repoRoot is the repository's top, from this package's directory.
const repoRoot = "../.."

// pageOf is the page documenting a command: docs/commands/<top-level command>.md, and
// docs/commands/README.md for the root (its global flags).
func pageOf(path string) string {
	words := strings.Fields(path)
	if len(words) <= 2 {
		return "README.md"
	}
	return words[2] + ".md"
}

// TestCommandDocs: every command has a flag table on its page in docs/commands, and
// every table is what `make docs` generates from the command today, so a flag added,
// removed or changed without its documentation fails here.
func TestCommandDocs(t *testing.T) {
	root := newRoot(&bytes.Buffer{})
	dir := filepath.Join(repoRoot, "docs", "commands")
	pages := map[string]string{}
	files, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no pages in %s: %v", dir, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pages[filepath.Base(f)] = string(b)
		updated, err := clidoc.UpdatePage(string(b), root)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if updated != string(b) {
			t.Errorf("%s: flag tables are out of date: run make docs", f)
		}
	}
	for _, c := range clidoc.Commands(root) {
		page := pageOf(c.CommandPath())
		if !slices.Contains(clidoc.BlockPaths(pages[page]), c.CommandPath()) {
			t.Errorf("docs/commands/%s has no flag table of %q: add %q where it belongs and run make docs",
				page, c.CommandPath(), clidoc.Block(c.CommandPath()))
		}
	}
}

// TestDocsCommandLines: every `kubectl gitops ...` command line in README.md and
// docs/ (code blocks and inline code) names a command that exists, with flags it has.
func TestDocsCommandLines(t *testing.T) {
	root := newRoot(&bytes.Buffer{})
	files := []string{filepath.Join(repoRoot, "README.md")}
	for _, pattern := range []string{"docs/*.md", "docs/commands/*.md"} {
		m, err := filepath.Glob(filepath.Join(repoRoot, pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	checked := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range clidoc.Lines(string(b), "kubectl gitops") {
			checked++
			if err := clidoc.Check(root, 2, l.Text); err != nil {
				t.Errorf("%s:%d: %v", f, l.No, err)
			}
		}
	}
	if checked < 50 {
		t.Errorf("only %d command lines found in the docs", checked)
	}
}
