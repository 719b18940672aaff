package manifest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitopsfile"
)

// checker walks a kustomization and the local kustomizations it reaches before Kustomize
// runs, so that references Kustomize would fetch (git clones, HTTP downloads) or read
// outside the source root are refused with the file and line that asks for them. The
// rootFS given to Kustomize is the second line of defence for anything missed here.
type checker struct {
	root    sourceRoot
	seen    map[string]bool
	errs    []*Error
	openAPI bool // a kustomization of the tree sets openapi:
}

// checked is what checkKustomization found.
type checked struct {
	errs    []*Error
	openAPI bool
}

func checkKustomization(root sourceRoot, dir string) checked {
	c := &checker{root: root, seen: map[string]bool{}}
	c.dir(root.abs(dir))
	return checked{errs: c.errs, openAPI: c.openAPI}
}

// kustomizationIn returns the kustomization file in the absolute directory dir, or "".
func kustomizationIn(dir string) string {
	for _, name := range kustomizationFiles {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

func (c *checker) dir(dir string) {
	if c.seen[dir] {
		return
	}
	c.seen[dir] = true
	file := kustomizationIn(dir)
	if file == "" {
		return // not a kustomization; Kustomize reports what it makes of it
	}
	rel := c.root.rel(file)
	data, err := c.root.readFile(rel)
	if err != nil {
		c.errs = append(c.errs, &Error{Source: Source{File: rel}, Err: err})
		return
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		le := yamlLineError(err, data, 1)
		c.errs = append(c.errs, &Error{Source: Source{File: rel, Line: le.line}, Err: le.err})
		return
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return
	}
	k := &kustFile{c: c, dir: dir, rel: rel, data: data}
	top := doc.Content[0]
	for i := 0; i+1 < len(top.Content); i += 2 {
		k.field(top.Content[i], top.Content[i+1])
	}
}

// kustFile checks the fields of one kustomization file.
type kustFile struct {
	c    *checker
	dir  string // absolute directory of the file
	rel  string // the file, relative to the root
	data []byte
}

func (k *kustFile) fail(n *yaml.Node, format string, args ...interface{}) {
	k.c.errs = append(k.c.errs, &Error{Source: Source{File: k.rel, Line: fileLine(k.data, n.Line)}, Err: fmt.Errorf(format, args...)})
}

// field dispatches on the kustomization keys that name files, directories or URLs.
func (k *kustFile) field(key, val *yaml.Node) {
	name := key.Value
	switch name {
	case "resources", "bases", "components":
		k.eachScalar(name, val, func(n *yaml.Node, where string) { k.ref(n, where, n.Value, true) })
	case "crds", "configurations":
		k.eachScalar(name, val, func(n *yaml.Node, where string) { k.ref(n, where, n.Value, false) })
	case "generators", "transformers", "validators", "patchesStrategicMerge":
		// Entries are file or directory names, or inline YAML.
		k.eachScalar(name, val, func(n *yaml.Node, where string) {
			if !isInlineYAML(n.Value) {
				k.ref(n, where, n.Value, true)
			}
		})
	case "patches", "patchesJson6902", "replacements":
		k.eachMapping(name, val, func(m *yaml.Node, where string) {
			if p := gitopsfile.MappingValue(m, "path"); p != nil && p.Kind == yaml.ScalarNode {
				k.ref(p, where+".path", p.Value, false)
			}
		})
	case "openapi":
		k.c.openAPI = true
		if p := gitopsfile.MappingValue(val, "path"); p != nil && p.Kind == yaml.ScalarNode {
			k.ref(p, "openapi.path", p.Value, false)
		}
	case "configMapGenerator", "secretGenerator":
		k.eachMapping(name, val, func(m *yaml.Node, where string) {
			if files := gitopsfile.MappingValue(m, "files"); files != nil {
				k.eachScalar(where+".files", files, func(n *yaml.Node, w string) {
					v := n.Value
					if _, after, ok := strings.Cut(v, "="); ok {
						v = after
					}
					k.ref(n, w, v, false)
				})
			}
			if envs := gitopsfile.MappingValue(m, "envs"); envs != nil {
				k.eachScalar(where+".envs", envs, func(n *yaml.Node, w string) { k.ref(n, w, n.Value, false) })
			}
			if env := gitopsfile.MappingValue(m, "env"); env != nil && env.Kind == yaml.ScalarNode && env.Value != "" {
				k.ref(env, where+".env", env.Value, false)
			}
		})
	case "helmCharts", "helmChartInflationGenerator", "helmGlobals":
		if val.Kind != yaml.ScalarNode || val.Tag != "!!null" {
			k.fail(key, "%s: Helm chart inflation is not supported (it runs the helm binary and may download charts); render the chart to YAML, or keep it out of this source", name)
		}
	}
}

func (k *kustFile) eachScalar(where string, seq *yaml.Node, fn func(n *yaml.Node, where string)) {
	if seq.Kind != yaml.SequenceNode {
		return
	}
	for i, n := range seq.Content {
		if n.Kind == yaml.ScalarNode {
			fn(n, fmt.Sprintf("%s[%d]", where, i))
		}
	}
}

func (k *kustFile) eachMapping(where string, seq *yaml.Node, fn func(m *yaml.Node, where string)) {
	if seq.Kind != yaml.SequenceNode {
		return
	}
	for i, n := range seq.Content {
		if n.Kind == yaml.MappingNode {
			fn(n, fmt.Sprintf("%s[%d]", where, i))
		}
	}
}

func isInlineYAML(s string) bool {
	t := strings.TrimSpace(s)
	return strings.Contains(t, "\n") || strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")
}

// ref checks one reference: remote ones are refused, local ones must stay inside the
// root, and a local directory holding a kustomization is checked in turn (when dirs is
// true: the fields where Kustomize accepts directories).
func (k *kustFile) ref(n *yaml.Node, where, value string, dirs bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return
	}
	p := value
	if !filepath.IsAbs(p) {
		p = filepath.Join(k.dir, filepath.FromSlash(p))
	}
	p = filepath.Clean(p)
	// Containment first, and one message whatever lies outside: a link out of the
	// repository must not tell whether its target exists on the host.
	if !k.c.root.contains(p) || k.c.root.inside(p) != nil {
		k.fail(n, "%s: %q leads outside the source root", where, value)
		return
	}
	fi, statErr := os.Stat(p)
	localFile := statErr == nil && fi.Mode().IsRegular()
	if isRemote(value, localFile) {
		k.fail(n, "%s: remote reference %q is not allowed: kustomize builds read only files inside the source root (no git clones, no HTTP downloads); vendor it into the repository", where, value)
		return
	}
	if statErr != nil {
		return // missing: Kustomize reports it in its own words
	}
	if dirs && fi.IsDir() {
		k.c.dir(p)
	}
}

var scpUserRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]*@`)

// isRemote reports whether Kustomize would treat value as a URL (an HTTP file or a git
// repository): any scheme, scp-like user@host:path, or github.com/... shorthand. It
// over-approximates Kustomize's parser on purpose, except that an existing local file
// wins, as it does in Kustomize.
func isRemote(value string, localFile bool) bool {
	v := strings.ToLower(strings.TrimSpace(value))
	v = strings.TrimPrefix(v, "git::")
	if strings.Contains(v, "://") {
		return true
	}
	if localFile {
		return false
	}
	return scpUserRE.MatchString(v) || strings.HasPrefix(v, "github.com/") || strings.HasPrefix(v, "github.com:")
}
