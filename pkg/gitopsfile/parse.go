package gitopsfile

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// File is a parsed .gitops.yaml: its top-level mapping, checked against the known keys.
// The zero value is no file.
type File struct {
	path   string
	exists bool
	top    *yaml.Node // the top-level mapping; nil for an empty file
}

// Parse parses data, the contents of the .gitops.yaml that errors call file. An empty
// file (or one of comments, or null) has no sections. Invalid YAML, a top level that is
// not a mapping, an unknown or repeated key and a version other than 1 are errors, as
// Errors naming file and line. When the only problems are keys and version, the File is
// returned with them, so that a reader can report its own problems beside them; any
// other error comes with a nil File.
func Parse(file string, data []byte) (*File, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, Errors{syntaxError(file, err)}
	}
	f := &File{path: file, exists: true}
	if len(doc.Content) == 0 {
		return f, nil
	}
	top := doc.Content[0]
	switch {
	case top.Kind == yaml.ScalarNode && top.ShortTag() == "!!null":
		return f, nil
	case top.Kind != yaml.MappingNode:
		return nil, Errors{{File: file, Line: top.Line, Msg: "expected a mapping of top-level keys (known: " + strings.Join(keys, ", ") + ")"}}
	}
	f.top = top
	var errs Errors
	first := map[string]int{}
	for i := 0; i+1 < len(top.Content); i += 2 {
		key, val := top.Content[i], top.Content[i+1]
		switch {
		case key.Kind != yaml.ScalarNode || !slices.Contains(keys, key.Value):
			errs = append(errs, &Error{File: file, Line: key.Line, Msg: fmt.Sprintf("unknown key %q (known: %s)", key.Value, strings.Join(keys, ", "))})
		case first[key.Value] > 0:
			errs = append(errs, &Error{File: file, Line: key.Line, Msg: fmt.Sprintf("key %q is defined twice (first at line %d)", key.Value, first[key.Value])})
		default:
			first[key.Value] = key.Line
			if key.Value == KeyVersion && (val.Kind != yaml.ScalarNode || val.Value != SupportedVersion) {
				errs = append(errs, &Error{File: file, Line: val.Line, Msg: fmt.Sprintf("unsupported version %q: only version %s is known", val.Value, SupportedVersion)})
			}
		}
	}
	if len(errs) > 0 {
		return f, errs
	}
	return f, nil
}

var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// syntaxError is the parser's error with its line taken out of the message.
func syntaxError(file string, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if g := yamlLine.FindStringSubmatch(msg); g != nil {
		line, _ = strconv.Atoi(g[1])
		msg = g[2]
	}
	return &Error{File: file, Line: line, Msg: "invalid YAML: " + msg}
}

// Path is the file's name as errors give it.
func (f *File) Path() string { return f.path }

// Exists reports whether there is a file: Read of an absent one returns a File that
// does not exist (and has no sections).
func (f *File) Exists() bool { return f.exists }

// Line is the line where the top-level mapping starts (1 for an empty file), for
// problems of the file as a whole.
func (f *File) Line() int {
	if f.top == nil {
		return 1
	}
	return f.top.Line
}

// Has reports whether the file has the top-level key.
func (f *File) Has(key string) bool { return f.Section(key) != nil }

// Section returns the value of the top-level key (an alias resolved), or nil when the
// file has no such key. The node is the parsed file's: a reader may look at its lines,
// and must not change it.
func (f *File) Section(key string) *yaml.Node {
	n := MappingValue(f.top, key)
	if n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// DeclaresGenerators reports whether the file's directory is rendered by generators
// (pkg/manifest): the file has generators, or has no section besides version (an empty
// file too), so that what is missing is reported where generators are read. A file
// holding other sections only (images, the bot's) declares none: its directory is read
// as plain YAML. An absent file declares none.
func (f *File) DeclaresGenerators() bool {
	switch {
	case !f.exists:
		return false
	case f.Has(KeyGenerators):
		return true
	}
	for i := 0; f.top != nil && i+1 < len(f.top.Content); i += 2 {
		if f.top.Content[i].Value != KeyVersion {
			return false
		}
	}
	return true
}
