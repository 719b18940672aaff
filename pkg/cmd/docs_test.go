package cmd_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/internal/clidoc"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/repoconfig"
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

// yamlKeys lists the keys a struct is read from, as dotted paths under prefix ("[]"
// after a list), by its yaml tags.
func yamlKeys(t reflect.Type, prefix string) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		if t.Kind() == reflect.Slice {
			prefix += "[]"
		}
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if opts == "inline" {
			out = append(out, yamlKeys(f.Type, prefix)...)
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		out = append(out, path)
		out = append(out, yamlKeys(f.Type, path)...)
	}
	return out
}

// TestGitopsYAMLReference: every key the code reads from .gitops.yaml is in
// docs/gitops-yaml.md by its full path (`images.policies[].minAge`); keys of the bot's
// image-bump pull requests may be documented in docs/bot.md instead (`labels:`).
func TestGitopsYAMLReference(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(repoRoot, "docs", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	ref, bot := read("gitops-yaml.md"), read("bot.md")
	keys := []string{"version", "generators", "generators[].command"} // pkg/manifest reads these by hand
	keys = append(keys, yamlKeys(reflect.TypeFor[images.Config](), images.ConfigKey)...)
	keys = append(keys, yamlKeys(reflect.TypeFor[repoconfig.Config](), "")...)
	if len(keys) < 30 {
		t.Fatalf("only %d keys found: %v", len(keys), keys)
	}
	for _, k := range keys {
		leaf := k[strings.LastIndex(k, ".")+1:]
		leaf = strings.TrimSuffix(leaf, "[]")
		if !strings.Contains(ref, "`"+k+"`") && !strings.Contains(bot, leaf+":") {
			t.Errorf("docs/gitops-yaml.md does not document `%s`", k)
		}
	}
}

// fluxV1Topics are the Flux v1 daemon flags and annotations issue 9 lists: each has a
// section of docs/migrating-from-flux-v1.md (a heading naming it) with an example.
var fluxV1Topics = []string{
	"--git-path", "--git-readonly", "--sync-garbage-collection", "fluxcd.io/ignore", "sync_only",
	"--k8s-allow-namespace", "--k8s-default-namespace", "--registry-include-image",
	"--registry-exclude-image", "--registry-rps", "--registry-burst", "--registry-disable-scanning",
	"--docker-config", "--git-ci-skip", "--git-sync-tag", "--manifest-generation", ".flux.yaml",
	"--automation-interval", "fluxctl release", "fluxcd.io/automated", "fluxcd.io/tag.<container>",
	"HPA", "One daemon per repository",
}

// TestFluxMigrationGuide: every Flux v1 flag and annotation of the list has its own
// section with an example (a code block) in the guide. Its command lines are checked
// by TestDocsCommandLines (plugin) and cmd/bot's TestFluxGuideBotFlags (bot).
func TestFluxMigrationGuide(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot, "docs", "migrating-from-flux-v1.md"))
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]string{} // heading → body
	heading := ""
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "## ") {
			heading = line
			continue
		}
		sections[heading] += line + "\n"
	}
	for _, topic := range fluxV1Topics {
		found := false
		for h, body := range sections {
			if strings.Contains(h, topic) {
				found = true
				if !strings.Contains(body, "```") {
					t.Errorf("section %q has no example", h)
				}
			}
		}
		if !found {
			t.Errorf("no section of docs/migrating-from-flux-v1.md is about %s", topic)
		}
	}
	if n := len(clidoc.Lines(string(b), "kubectl gitops")); n < 30 {
		t.Errorf("only %d kubectl gitops command lines in the guide", n)
	}
}

var (
	mdLinkRE    = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	slugDropRE  = regexp.MustCompile(`[^\p{L}\p{N} _-]`)
	fenceLineRE = regexp.MustCompile("^\\s*```")
)

// anchors are the GitHub anchors of a Markdown file's headings.
func anchors(md string) map[string]bool {
	out := map[string]bool{}
	inFence := false
	for _, line := range strings.Split(md, "\n") {
		if fenceLineRE.MatchString(line) {
			inFence = !inFence
		}
		if inFence || !strings.HasPrefix(line, "#") {
			continue
		}
		h := strings.TrimSpace(strings.TrimLeft(line, "#"))
		out[strings.ReplaceAll(slugDropRE.ReplaceAllString(strings.ToLower(h), ""), " ", "-")] = true
	}
	return out
}

// TestDocLinks: every relative link of README.md and docs/ leads to a file that exists,
// and to a heading of it when it names one.
func TestDocLinks(t *testing.T) {
	files := []string{filepath.Join(repoRoot, "README.md")}
	for _, pattern := range []string{"docs/*.md", "docs/commands/*.md"} {
		m, _ := filepath.Glob(filepath.Join(repoRoot, pattern))
		files = append(files, m...)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			for _, m := range mdLinkRE.FindAllStringSubmatch(line, -1) {
				link := m[1]
				if strings.Contains(link, "://") || strings.HasPrefix(link, "mailto:") {
					continue
				}
				target, anchor, _ := strings.Cut(link, "#")
				path := f
				if target != "" {
					path = filepath.Join(filepath.Dir(f), target)
				}
				data, err := os.ReadFile(path)
				if err != nil {
					if st, serr := os.Stat(path); serr == nil && st.IsDir() {
						continue
					}
					t.Errorf("%s:%d: link %s: no such file", f, i+1, link)
					continue
				}
				if anchor != "" && strings.HasSuffix(path, ".md") && !anchors(string(data))[anchor] {
					t.Errorf("%s:%d: link %s: no heading #%s in %s", f, i+1, link, anchor, path)
				}
			}
		}
	}
}
