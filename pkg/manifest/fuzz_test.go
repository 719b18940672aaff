package manifest

// Fuzz targets for the parsers that read untrusted input: the YAML stream splitting and
// parsing into objects with file:line, and .gitops.yaml's generators. `go test` runs the
// seeds (f.Add and testdata/fuzz/); `make fuzz` (docs/testing.md) hunts with -fuzz.

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fuzzFile = "dir/f.yaml"

// addYAMLFixtures adds every YAML file under testdata as a seed.
func addYAMLFixtures(f *testing.F) {
	f.Helper()
	n := 0
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (filepath.Ext(path) != ".yaml" && filepath.Ext(path) != ".yml") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f.Add(b)
		n++
		return nil
	})
	if err != nil || n == 0 {
		f.Fatalf("no seed fixtures under testdata: %d, %v", n, err)
	}
}

var crafted = []string{
	"",
	"---\n",
	"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
	"# c\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a\n",
	"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n labels: {}\n",
	"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: *nope\n",
	"apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: a\n",
	"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  name: c\n",
	"kind: A\nmetadata: {name: a}\n---\napiVersion: v1\nkind: B\n---\nfoo: [\n",
	"apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- 3\n- {kind: X}\n",
	"--- # comment\napiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n...\n--- !!map\napiVersion: v1\nkind: Namespace\nmetadata: {name: y}\n",
	"apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: 3}\n",
	"%YAML 1.2\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: z}\n",
	"a: &x [*x]\n",
	"values: {replicas: 3}\n",
	"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n",
	"\xef\xbb\xbfapiVersion: v1\nkind: Namespace\nmetadata: {name: bom}\n",
	"---\r\napiVersion: v1\r\nkind: Namespace\r\nmetadata: {name: crlf}\r\n",
}

// Splitting keeps every byte: the chunks and the separator lines between them are the
// whole stream, and each chunk's line is where it starts.
func FuzzSplitDocuments(f *testing.F) {
	addYAMLFixtures(f)
	for _, s := range crafted {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		chunks := splitDocuments(data)
		pos := 0
		for i, c := range chunks {
			start := cap(data) - cap(c.data) // c.data is a slice of data
			if i == 0 && start != 0 || start < pos {
				t.Fatalf("chunk %d starts at %d, after %d", i, start, pos)
			}
			sep := data[pos:start]
			if i > 0 && (!isSeparator(sep) || bytes.Count(sep, []byte("\n")) != 1 && !(start == len(data) && !bytes.Contains(sep, []byte("\n")))) {
				t.Fatalf("chunk %d: %q between chunks is not one separator line", i, sep)
			}
			// (A separator on the last line, without '\n', is followed by an empty chunk
			// on the line after it.)
			if want := 1 + bytes.Count(data[:start], []byte("\n")); c.line != want && !(len(c.data) == 0 && start == len(data)) {
				t.Fatalf("chunk %d starts on line %d, says %d", i, want, c.line)
			}
			pos = start + len(c.data)
		}
		if pos != len(data) {
			t.Fatalf("the chunks end at %d of %d bytes", pos, len(data))
		}
	})
}

// Parsing never panics; every object and every error names the file and a line of it;
// a line added in front moves every line by one and changes nothing else.
//
// Except for one kind of error: the YAML parser's own messages say "line N" the way
// kubectl prints them, which for parser (not scanner) errors is the line before the
// problem, and no line at all when the problem is on a document's first line (then the
// document's first content line is named). A blank line in front turns the latter into
// the former: the same line is named.
func FuzzParse(f *testing.F) {
	addYAMLFixtures(f)
	for _, s := range crafted {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, errLines := checkParse(t, data)
		if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
			return // a byte order mark is one only at the start
		}
		objs2, errLines2 := checkParse(t, append([]byte("\n"), data...))
		if len(objs2) != len(objs) || len(errLines2) != len(errLines) {
			t.Fatalf("a leading blank line changed the result: %d objects and %d errors, then %d and %d",
				len(objs), len(errLines), len(objs2), len(errLines2))
		}
		for i := range objs {
			if objs2[i].Source.Line != objs[i].Source.Line+1 || objs2[i].ID() != objs[i].ID() {
				t.Fatalf("a leading blank line: object %s at %s, then %s at %s", objs[i].ID(), objs[i].Source, objs2[i].ID(), objs2[i].Source)
			}
		}
		for i := range errLines {
			if l1, l2 := errLines[i].line, errLines2[i].line; l2 != l1+1 && !(l2 == l1 && errLines[i].syntax) {
				t.Fatalf("a leading blank line: error %d on line %d, then on line %d, in:\n%s", i, l1, l2, data)
			}
		}
	})
}

// errAt is the line of an error, and whether the YAML parser found it.
type errAt struct {
	line   int
	syntax bool
}

// checkParse parses data as fuzzFile, checks what every result must satisfy and returns
// the objects and the errors' lines.
func checkParse(t *testing.T, data []byte) ([]Object, []errAt) {
	t.Helper()
	lines := 1 + bytes.Count(data, []byte("\n"))
	objs, err := Parse(fuzzFile, data)
	for _, o := range objs {
		if o.Source.File != fuzzFile || o.Source.Line < 1 || o.Source.Line > lines {
			t.Fatalf("object %s at %s: not a line of the %d-line %s", o.ID(), o.Source, lines, fuzzFile)
		}
		if o.Obj.GetAPIVersion() == "" || o.Obj.GetKind() == "" || o.Obj.GetName() == "" {
			t.Fatalf("object at %s lacks apiVersion, kind or name: %v", o.Source, o.Obj.Object)
		}
	}
	if err == nil {
		return objs, nil
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("Parse error is not a list of *Error: %T %v", err, err)
	}
	var errLines []errAt
	for _, e := range joined.Unwrap() {
		var me *Error
		if !errors.As(e, &me) {
			t.Fatalf("Parse error %T is not a *Error: %v", e, e)
		}
		if me.Source.File != fuzzFile || me.Source.Line < 1 || me.Source.Line > lines {
			t.Fatalf("error at %s: not a line of the %d-line %s: %v", me.Source, lines, fuzzFile, me)
		}
		if !strings.HasPrefix(me.Error(), me.Source.String()+": ") {
			t.Fatalf("error does not start with its position: %v", me)
		}
		errLines = append(errLines, errAt{line: me.Source.Line, syntax: strings.HasPrefix(me.Err.Error(), "invalid YAML")})
	}
	return objs, errLines
}

// .gitops.yaml's generators: errors name the file and a line of it; what parses has a
// command on a line of it.
func FuzzParseGeneratorConfig(f *testing.F) {
	for _, s := range []string{
		"version: 1\ngenerators:\n  - command: cat x.yaml\n",
		"version: 1\ngenerators:\n  - command: sh two.sh\n  - command: cat x.yaml\n",
		"version: 2\ngenerators:\n  - command: echo\n    args: [x]\npatchUpdated: {}\n",
		"version: 1\ngenerators: []\n",
		"version: 1\ngenerators: {command: x}\n",
		"version: 1\ngenerators:\n  - command: ''\n  - 3\n  - {}\n",
		"version: 1\nimages:\n  policies: []\n",
		"[1, 2]\n",
		"version: 1\ngenerators:\n  - command: [a\n",
		"",
		"# only a comment\n",
	} {
		f.Add([]byte(s))
	}
	const file = "deploy/.gitops.yaml"
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := 1 + bytes.Count(data, []byte("\n"))
		cfg, errs := parseGeneratorConfig(file, data)
		for _, e := range errs {
			if e.Source.File != file || e.Source.Line < 1 || e.Source.Line > lines {
				t.Fatalf("error at %s: not a line of the %d-line %s: %v", e.Source, lines, file, e)
			}
			if !strings.HasPrefix(e.Error(), e.Source.String()+": ") {
				t.Fatalf("error does not start with its position: %v", e)
			}
		}
		if len(errs) > 0 {
			return
		}
		if len(cfg.generators) == 0 {
			t.Fatalf("no error and no generator in %q", data)
		}
		for _, g := range cfg.generators {
			if strings.TrimSpace(g.command) == "" || g.line < 1 || g.line > lines {
				t.Fatalf("generator %q on line %d of %d", g.command, g.line, lines)
			}
		}
	})
}
