package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	sigsyaml "sigs.k8s.io/yaml"
)

// Parse reads a multi-document YAML stream into objects. Each object's Source names file
// and the line its document's content starts on (after any `---` and leading comments).
// Lists (kind: List, and *List kinds with items) are expanded into their items, which
// keep the List's source. Documents that are not Kubernetes objects (no apiVersion and
// no kind, e.g. a values file) and empty documents are skipped. Everything wrong is
// returned as errors.Join of *Error, alongside the objects that were fine.
func Parse(file string, data []byte) ([]Object, error) {
	objs, errs := parseDocuments(file, data, nil)
	return objs, joinErrors(errs)
}

// parseDocuments is Parse with a logger for skipped documents (nil: no logging).
func parseDocuments(file string, data []byte, log *slog.Logger) ([]Object, []*Error) {
	var objs []Object
	var errs []*Error
	for _, c := range splitDocuments(data) {
		docs, err := decodeChunk(c)
		if err != nil {
			errs = append(errs, &Error{Source: Source{File: file, Line: err.line}, Err: err.err})
			continue
		}
		for _, d := range docs {
			src := Source{File: file, Line: d.line}
			m, err := d.m, (*lineError)(nil)
			if !d.converted {
				m, err = toMap(d.raw, d.offset)
			}
			if err != nil {
				errs = append(errs, &Error{Source: Source{File: file, Line: lineOr(err.line, src.Line)}, Err: err.err})
				continue
			}
			if m == nil {
				if log != nil {
					log.Debug("skipping YAML document that is not a Kubernetes object", "source", src.String(), "reason", "not a mapping")
				}
				continue
			}
			o, e, skip := objectsFromMap(m, src)
			if skip != "" && log != nil {
				log.Debug("skipping YAML document that is not a Kubernetes object", "source", src.String(), "reason", skip)
			}
			objs = append(objs, o...)
			errs = append(errs, e...)
		}
	}
	return objs, errs
}

func lineOr(line, fallback int) int {
	if line > 0 {
		return line
	}
	return fallback
}

// doc is one non-empty document: its bytes (YAML), the line its content starts on, and
// the line in the file of raw's first line (0 when raw was re-encoded and has no lines
// of its own in the file). When converted is set, m is raw already converted by toMap.
type doc struct {
	raw       []byte
	line      int
	offset    int
	m         map[string]interface{}
	converted bool
}

type lineError struct {
	line    int
	hasLine bool // the parser named a line
	err     error
}

// decodeChunk checks a chunk's syntax with the YAML parser and finds where each document's
// content starts. A chunk normally holds one document; when it holds more (explicit
// `...` ends, `--- !tag` starts) each is re-encoded on its own.
func decodeChunk(c chunk) ([]doc, *lineError) {
	if d, ok := plainDocument(c); ok {
		return d, nil
	}
	return decodeChunkNodes(c)
}

// decodeChunkNodes is decodeChunk with the YAML parser for every chunk.
func decodeChunkNodes(c chunk) ([]doc, *lineError) {
	all, err := YAMLNodes(c.data)
	if err != nil {
		// Report what kubectl's parser (sigs.k8s.io/yaml) says when it also fails: its
		// line numbers are the ones users see from kubectl, and yaml.v3 counts some
		// parser errors from the line before.
		if _, err2 := sigsyaml.YAMLToJSON(c.data); err2 != nil {
			err = err2
		}
		le := yamlLineError(err, c.data, c.line)
		if !le.hasLine {
			le.line = firstContentLine(c)
		}
		return nil, le
	}
	var nodes []*yaml.Node
	for _, n := range all {
		if len(n.Content) > 0 && !isNull(n.Content[0]) {
			nodes = append(nodes, n)
		}
	}
	if len(nodes) == 1 {
		return []doc{{raw: c.data, line: c.line - 1 + fileLine(c.data, nodes[0].Content[0].Line), offset: c.line}}, nil
	}
	docs := make([]doc, 0, len(nodes))
	for _, n := range nodes {
		raw, err := yaml.Marshal(n)
		if err != nil {
			return nil, &lineError{line: c.line - 1 + fileLine(c.data, n.Content[0].Line), err: fmt.Errorf("re-encode document: %w", err)}
		}
		docs = append(docs, doc{raw: raw, line: c.line - 1 + fileLine(c.data, n.Content[0].Line)})
	}
	return docs, nil
}

// YAMLNodes decodes the documents of a YAML stream (yaml.v3 nodes), up to the first that
// does not parse: the documents before it are returned with the parser's error.
func YAMLNodes(data []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var nodes []*yaml.Node
	for {
		n := new(yaml.Node)
		err := dec.Decode(n)
		if errors.Is(err, io.EOF) {
			return nodes, nil
		}
		if err != nil {
			return nodes, err
		}
		nodes = append(nodes, n)
	}
}

// plainDocument converts a chunk holding at most one plain document (no directive, no
// "---" or "..." marker line) with toMap's converter alone: for such a chunk the YAML
// parse of decodeChunk only finds where the content starts, which is then the first
// line that is neither blank nor a comment. ok is false when the chunk needs that
// parse: markers, or any error (reported by decodeChunk and toMap, with its line).
func plainDocument(c chunk) ([]doc, bool) {
	for _, l := range bytes.Split(c.data, []byte("\n")) {
		if bytes.HasPrefix(l, []byte("---")) || bytes.HasPrefix(l, []byte("...")) || bytes.HasPrefix(l, []byte("%")) {
			return nil, false
		}
	}
	j, err := sigsyaml.YAMLToJSONStrict(c.data)
	if err != nil {
		return nil, false
	}
	j = bytes.TrimSpace(j)
	if len(j) == 0 || bytes.Equal(j, []byte("null")) {
		return nil, true // empty, comments only, or null: skipped, as decodeChunk does
	}
	d := doc{raw: c.data, line: firstContentLine(c), offset: c.line, converted: true}
	if j[0] == '{' {
		if err := utiljson.Unmarshal(j, &d.m); err != nil {
			return nil, false
		}
	}
	return []doc{d}, true
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// yamlLineError turns a YAML parser error about data into one with an absolute line: the
// parser counts from data's first line, which is `offset` in the file.
func yamlLineError(err error, data []byte, offset int) *lineError {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "error converting YAML to JSON: ")
	msg = strings.TrimPrefix(msg, "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	msg = strings.TrimSpace(msg)
	line, hasLine := offset, false
	if m := yamlLineRE.FindStringSubmatchIndex(msg); m != nil {
		n, _ := strconv.Atoi(msg[m[2]:m[3]])
		line = offset - 1 + fileLine(data, n)
		hasLine = true
		if m[0] == 0 {
			// "line N: message": the position goes into the Source instead.
			msg = strings.TrimPrefix(strings.TrimSpace(msg[m[1]:]), ": ")
			msg = strings.TrimPrefix(msg, ":")
			msg = strings.TrimSpace(msg)
		} else {
			msg = msg[:m[2]] + strconv.Itoa(line) + msg[m[3]:]
		}
	}
	return &lineError{line: line, hasLine: hasLine, err: fmt.Errorf("invalid YAML: %s", msg)}
}

// firstContentLine is the line of the chunk's first line that is not blank or a comment.
func firstContentLine(c chunk) int {
	for i, l := range bytes.Split(c.data, []byte("\n")) {
		t := bytes.TrimSpace(l)
		if len(t) > 0 && t[0] != '#' {
			return c.line + i
		}
	}
	return c.line
}

// toMap converts one document the way kubectl does (YAML 1.1 scalars via sigs.k8s.io/yaml,
// JSON numbers as int64/float64), refusing duplicate keys. A nil map means "not a
// mapping": skipped by the caller.
func toMap(raw []byte, offset int) (map[string]interface{}, *lineError) {
	j, err := sigsyaml.YAMLToJSONStrict(raw)
	if err != nil {
		if offset == 0 {
			return nil, &lineError{err: fmt.Errorf("invalid YAML: %w", err)}
		}
		return nil, yamlLineError(err, raw, offset)
	}
	j = bytes.TrimSpace(j)
	if len(j) == 0 || j[0] != '{' {
		return nil, nil
	}
	var m map[string]interface{}
	if err := utiljson.Unmarshal(j, &m); err != nil {
		return nil, &lineError{err: fmt.Errorf("decode document: %w", err)}
	}
	return m, nil
}

// objectsFromMap validates one decoded document and expands Lists. skip is non-empty when
// the document is not a Kubernetes object at all (then nothing else is returned).
func objectsFromMap(m map[string]interface{}, src Source) (objs []Object, errs []*Error, skip string) {
	apiVersion, hasAPI := m["apiVersion"]
	kind, hasKind := m["kind"]
	if !hasAPI && !hasKind {
		return nil, nil, "no apiVersion and no kind"
	}
	av, _ := apiVersion.(string)
	k, _ := kind.(string)
	if isKustomizeConfig(av) {
		return nil, nil, "kustomize configuration (" + av + ")"
	}
	if err := checkTypeMeta(m); err != nil {
		return nil, []*Error{{Source: src, Err: err}}, ""
	}
	if items, ok := m["items"].([]interface{}); ok && isListKind(k) {
		for i, it := range items {
			item, ok := it.(map[string]interface{})
			if !ok {
				errs = append(errs, &Error{Source: src, Err: fmt.Errorf("%s items[%d] is not an object", k, i)})
				continue
			}
			if _, ok := item["apiVersion"]; !ok {
				if _, ok := item["kind"]; !ok {
					errs = append(errs, &Error{Source: src, Err: fmt.Errorf("%s items[%d] has no apiVersion and no kind", k, i)})
					continue
				}
			}
			o, e, _ := objectsFromMap(item, src)
			objs = append(objs, o...)
			for _, err := range e {
				if err.Object == "" {
					err.Err = fmt.Errorf("%s items[%d]: %w", k, i, err.Err)
				}
			}
			errs = append(errs, e...)
		}
		return objs, errs, ""
	}
	if k == "List" {
		return nil, []*Error{{Source: src, Err: errors.New("kind List without an items list")}}, ""
	}
	u := &unstructured.Unstructured{Object: m}
	if err := checkMetadata(u); err != nil {
		return nil, []*Error{{Source: src, Err: err}}, ""
	}
	return []Object{{Obj: u, Source: src}}, nil, ""
}

// isKustomizeConfig reports whether an apiVersion belongs to kustomize's own configuration
// (kustomization, component, builtin plugin configs), never a cluster object.
func isKustomizeConfig(apiVersion string) bool {
	return apiVersion == "builtin" || strings.HasPrefix(apiVersion, "kustomize.config.k8s.io/")
}

func isListKind(kind string) bool {
	return kind == "List" || strings.HasSuffix(kind, "List")
}

func checkTypeMeta(m map[string]interface{}) error {
	apiVersion, hasAPI := m["apiVersion"]
	kind, hasKind := m["kind"]
	av, avOK := apiVersion.(string)
	k, kOK := kind.(string)
	switch {
	case !hasAPI:
		return fmt.Errorf("kind %v has no apiVersion", kind)
	case !hasKind:
		return fmt.Errorf("apiVersion %v has no kind", apiVersion)
	case !avOK || av == "":
		return fmt.Errorf("apiVersion must be a non-empty string, got %v", apiVersion)
	case !kOK || k == "":
		return fmt.Errorf("kind must be a non-empty string, got %v", kind)
	}
	return nil
}

func checkMetadata(u *unstructured.Unstructured) error {
	what := fmt.Sprintf("%s (%s)", u.GetKind(), u.GetAPIVersion())
	md, ok := u.Object["metadata"]
	if !ok {
		return fmt.Errorf("%s has no metadata.name", what)
	}
	mdm, ok := md.(map[string]interface{})
	if !ok {
		return fmt.Errorf("%s: metadata must be an object", what)
	}
	name, ok := mdm["name"]
	if !ok {
		return fmt.Errorf("%s has no metadata.name", what)
	}
	if s, ok := name.(string); !ok || s == "" {
		return fmt.Errorf("%s: metadata.name must be a non-empty string, got %v", what, name)
	}
	if ns, ok := mdm["namespace"]; ok && ns != nil {
		if _, ok := ns.(string); !ok {
			return fmt.Errorf("%s %v: metadata.namespace must be a string, got %v", what, name, ns)
		}
	}
	return nil
}
