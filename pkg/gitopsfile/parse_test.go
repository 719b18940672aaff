package gitopsfile

import (
	"errors"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		wantFile bool     // a File comes back (with or without errors)
		wantErrs []string // each an error of the list, in order
		has      []string
		gen      bool
	}{
		{name: "empty", data: "", wantFile: true, gen: true},
		{name: "comments only", data: "# nothing yet\n", wantFile: true, gen: true},
		{name: "null", data: "~\n", wantFile: true, gen: true},
		{name: "version only", data: "version: 1\n", wantFile: true, has: []string{KeyVersion}, gen: true},
		{name: "generators", data: "version: 1\ngenerators:\n  - command: cat x.yaml\n", wantFile: true, has: []string{KeyVersion, KeyGenerators}, gen: true},
		{name: "images only: no generators", data: "images:\n  policies: []\n", wantFile: true, has: []string{KeyImages}},
		{name: "the bot's sections only", data: "targets: []\ncomments: {}\nforks: {}\nnotify: []\nimagePullRequests: {}\n", wantFile: true,
			has: []string{KeyTargets, KeyComments, KeyForks, KeyNotify, KeyImagePullRequests}},
		{name: "every section", data: "version: 1\ngenerators: []\nimages: {}\ntargets: []\n", wantFile: true,
			has: []string{KeyVersion, KeyGenerators, KeyImages, KeyTargets}, gen: true},
		{name: "unknown key, with its line and the known keys", data: "images: {}\n\nbogus: 1\n", wantFile: true, has: []string{KeyImages},
			wantErrs: []string{`f.yaml:3: unknown key "bogus" (known: version, generators, images, targets, comments, forks, notify, imagePullRequests, drift)`}},
		{name: "every unknown key", data: "a: 1\nimages: {}\nb: 2\n", wantFile: true, has: []string{KeyImages},
			wantErrs: []string{`f.yaml:1: unknown key "a"`, `f.yaml:3: unknown key "b"`}},
		{name: "unknown key beside generators", data: "version: 1\ngenerators: []\npatchUpdated: {}\n", wantFile: true, has: []string{KeyVersion, KeyGenerators}, gen: true,
			wantErrs: []string{`f.yaml:3: unknown key "patchUpdated"`}},
		{name: "key twice", data: "images: {}\nimages: {}\n", wantFile: true, has: []string{KeyImages},
			wantErrs: []string{`f.yaml:2: key "images" is defined twice (first at line 1)`}},
		{name: "unsupported version", data: "version: 2\nimages: {}\n", wantFile: true, has: []string{KeyVersion, KeyImages},
			wantErrs: []string{`f.yaml:1: unsupported version "2": only version 1 is known`}},
		{name: "not a mapping", data: "- images\n", wantErrs: []string{"f.yaml:1: expected a mapping of top-level keys (known: version, generators"}},
		{name: "a scalar", data: "hello\n", wantErrs: []string{"f.yaml:1: expected a mapping"}},
		{name: "invalid YAML", data: "images: [\n", wantErrs: []string{"f.yaml:1: invalid YAML: did not find expected node content"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("f.yaml", []byte(tt.data))
			if (f != nil) != tt.wantFile {
				t.Fatalf("File %v, want one: %v (err %v)", f, tt.wantFile, err)
			}
			var list Errors
			if len(tt.wantErrs) == 0 && err != nil || len(tt.wantErrs) > 0 && !errors.As(err, &list) {
				t.Fatalf("err %v, want %q", err, tt.wantErrs)
			}
			if len(list) != len(tt.wantErrs) {
				t.Fatalf("errors %q, want %q", list, tt.wantErrs)
			}
			for i, want := range tt.wantErrs {
				if !strings.HasPrefix(list[i].Error(), want) {
					t.Errorf("error %d: %q, want %q", i, list[i], want)
				}
			}
			if f == nil {
				return
			}
			for _, k := range Keys() {
				want := false
				for _, h := range tt.has {
					want = want || h == k
				}
				if f.Has(k) != want || (f.Section(k) != nil) != want {
					t.Errorf("Has(%q) = %v, want %v", k, f.Has(k), want)
				}
			}
			if !f.Exists() || f.Path() != "f.yaml" {
				t.Errorf("Exists() = %v, Path() = %q", f.Exists(), f.Path())
			}
			if got := f.DeclaresGenerators(); got != tt.gen {
				t.Errorf("DeclaresGenerators() = %v, want %v", got, tt.gen)
			}
		})
	}
}

// Each section is handed over as the parsed node: its lines are the file's.
func TestSection(t *testing.T) {
	data := "version: 1\ngenerators:\n  - command: make\nimages:\n  policies: []\ntargets:\n  - name: prod\ncomments: {showUnchanged: true}\n" +
		"forks:\n  livePlan: false\nnotify: []\nimagePullRequests:\n  labels: [x]\n"
	f, err := Parse(Name, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		key  string
		kind yaml.Kind
		line int
	}{
		{KeyVersion, yaml.ScalarNode, 1},
		{KeyGenerators, yaml.SequenceNode, 3},
		{KeyImages, yaml.MappingNode, 5},
		{KeyTargets, yaml.SequenceNode, 7},
		{KeyComments, yaml.MappingNode, 8},
		{KeyForks, yaml.MappingNode, 10},
		{KeyNotify, yaml.SequenceNode, 11},
		{KeyImagePullRequests, yaml.MappingNode, 13},
	} {
		n := f.Section(tt.key)
		if n == nil || n.Kind != tt.kind || n.Line != tt.line {
			t.Errorf("Section(%q) = %+v, want kind %v at line %d", tt.key, n, tt.kind, tt.line)
		}
	}
	if f.Section("bogus") != nil || f.Line() != 1 {
		t.Errorf("Section(bogus) = %v, Line() = %d", f.Section("bogus"), f.Line())
	}

	// An alias is resolved to the node it names.
	f, err = Parse(Name, []byte("forks: &f {livePlan: true}\ncomments: *f\n"))
	if err != nil {
		t.Fatal(err)
	}
	if n := f.Section(KeyComments); n == nil || n.Kind != yaml.MappingNode || n.Line != 1 {
		t.Errorf("Section of an alias: %+v", n)
	}
}

func TestMappingValue(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("a: 1\nb: [x]\n"), &doc); err != nil {
		t.Fatal(err)
	}
	m := doc.Content[0]
	for _, tt := range []struct {
		name string
		m    *yaml.Node
		key  string
		want string // the value's first line of YAML; "" for nil
	}{
		{"present", m, "a", "1"},
		{"a sequence value", m, "b", "[x]"},
		{"absent", m, "c", ""},
		{"nil node", nil, "a", ""},
		{"not a mapping", MappingValue(m, "b"), "x", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := MappingValue(tt.m, tt.key)
			s := ""
			if got != nil {
				out, _ := yaml.Marshal(got)
				s = strings.TrimSpace(string(out))
			}
			if s != tt.want {
				t.Errorf("MappingValue(%q) = %q, want %q", tt.key, s, tt.want)
			}
		})
	}
}
