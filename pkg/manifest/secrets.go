package manifest

import (
	"bytes"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/redact"
)

// The secret values of a render are registered with the Redactor while loading, so that
// no error, problem, log line or status text shows them (Kustomize quotes whole objects
// in some errors). They are read from what was rendered and, because a failed build
// renders nothing, also from the files Kustomize read: Secret manifests, and the inputs
// of secretGenerators (literals, files, env files).

// addSecretsInYAML registers the values of every Secret document in data (a YAML stream,
// also kind: List items). Documents that do not parse are skipped.
func addSecretsInYAML(r *redact.Redactor, data []byte) {
	for _, c := range splitDocuments(data) {
		dec := yaml.NewDecoder(bytes.NewReader(c.data))
		for {
			var doc any
			if err := dec.Decode(&doc); err != nil {
				break // io.EOF, or a syntax error: nothing more to read in this chunk
			}
			m, ok := doc.(map[string]any)
			if !ok {
				continue
			}
			r.AddSecret(m)
			if items, ok := m["items"].([]any); ok {
				for _, it := range items {
					if im, ok := it.(map[string]any); ok {
						r.AddSecret(im)
					}
				}
			}
		}
	}
}

// addObjectSecrets registers the values of the Secrets among objs.
func addObjectSecrets(r *redact.Redactor, objs []Object) {
	for _, o := range objs {
		r.AddSecret(o.Obj.Object)
	}
}

// fileReads records the files a Kustomize build read (absolute path to content).
type fileReads map[string][]byte

// addKustomizeInputs registers the secret values among the files a Kustomize build
// read: Secret manifests anywhere, and the secretGenerator inputs of kustomization files.
func addKustomizeInputs(r *redact.Redactor, root sourceRoot, reads fileReads) {
	for p, data := range reads {
		if slices.Contains(kustomizationFiles, filepath.Base(p)) {
			addGeneratorInputs(r, root, filepath.Dir(p), data, reads)
			continue
		}
		addSecretsInYAML(r, data)
	}
}

// secretGenerator is the part of a kustomization's secretGenerator entry that holds values.
type secretGenerator struct {
	Literals []string `yaml:"literals"`
	Files    []string `yaml:"files"`
	Envs     []string `yaml:"envs"`
	Env      string   `yaml:"env"`
}

func addGeneratorInputs(r *redact.Redactor, root sourceRoot, dir string, data []byte, reads fileReads) {
	var k struct {
		SecretGenerator []secretGenerator `yaml:"secretGenerator"`
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		// A kustomization Kustomize could not read either; it quotes no values from it.
		return
	}
	read := func(name string) ([]byte, bool) {
		p := filepath.Clean(filepath.Join(dir, filepath.FromSlash(strings.TrimSpace(name))))
		if b, ok := reads[p]; ok {
			return b, true
		}
		if !root.contains(p) {
			return nil, false
		}
		b, err := root.readFile(root.rel(p))
		return b, err == nil
	}
	for _, g := range k.SecretGenerator {
		for _, lit := range g.Literals {
			addLiteral(r, lit)
		}
		for _, f := range g.Files {
			if _, path, ok := strings.Cut(f, "="); ok {
				f = path
			}
			if b, ok := read(f); ok {
				r.Add(string(b))
			}
		}
		for _, e := range append(g.Envs, g.Env) {
			if e == "" {
				continue
			}
			if b, ok := read(e); ok {
				addEnvFile(r, b)
			}
		}
	}
}

// addLiteral registers a literal's value as written and unquoted; a malformed literal
// (no key=) is registered whole, as Kustomize quotes it in its error.
func addLiteral(r *redact.Redactor, lit string) {
	key, value, ok := strings.Cut(lit, "=")
	if !ok || key == "" {
		r.Add(lit)
		return
	}
	r.Add(value, unquoteLiteral(value))
}

// unquoteLiteral drops the quotes Kustomize drops around a literal's value.
func unquoteLiteral(v string) string {
	if len(v) >= 2 && v[0] == v[len(v)-1] && (v[0] == '"' || v[0] == '\'') {
		return v[1 : len(v)-1]
	}
	return v
}

var envKeyRE = regexp.MustCompile(`^[-._a-zA-Z][-._a-zA-Z0-9]*$`)

// addEnvFile registers the values of an env file's KEY=VALUE lines. A line Kustomize
// rejects (invalid UTF-8, a key that is not a variable name) is registered whole, as its
// error quotes it.
func addEnvFile(r *redact.Redactor, data []byte) {
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		t := strings.TrimLeft(line, " \t\v\f\ufeff")
		if t == "" || t[0] == '#' {
			continue
		}
		key, value, _ := strings.Cut(t, "=")
		r.Add(value)
		if !utf8.ValidString(line) || !envKeyRE.MatchString(key) {
			r.Add(line, key)
		}
	}
}
