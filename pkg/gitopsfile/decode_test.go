package gitopsfile

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

type testTarget struct {
	Name         string            `yaml:"name"`
	Path         string            // no tag: "path"
	Labels       map[string]string `yaml:"labels,omitempty"`
	Line         int               `yaml:"-"`
	Options      *testOptions      `yaml:"options"`
	testEmbedded `yaml:",inline"`

	hidden string
}

type testEmbedded struct {
	Cluster string `yaml:"cluster"`
}

type testOptions struct {
	Live bool `yaml:"live"`
}

type testWithRest struct {
	Name string               `yaml:"name"`
	Rest map[string]yaml.Node `yaml:",inline"`
}

type testRaw struct{ Seen string }

func (r *testRaw) UnmarshalYAML(n *yaml.Node) error { r.Seen = n.Tag; return nil }

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		data string
		into func() any
		want []string // the TypeError's messages, in order; nil: no error
	}{
		{name: "known fields", data: "s:\n  - name: a\n    path: x\n    cluster: c\n    options: {live: true}\n    labels: {any: thing}\n",
			into: func() any { return &[]testTarget{} }},
		{name: "an unknown field, with its line", data: "s:\n  - name: a\n    clusterr: x\n",
			into: func() any { return &[]testTarget{} }, want: []string{"line 3: field clusterr not found in type gitopsfile.testTarget"}},
		{name: "nested, in each item", data: "s:\n  - name: a\n    options: {life: true}\n  - name: b\n    nme: b\n",
			into: func() any { return &[]testTarget{} }, want: []string{
				"line 3: field life not found in type gitopsfile.testOptions",
				"line 5: field nme not found in type gitopsfile.testTarget",
			}},
		{name: "a field left out with - is unknown", data: "s:\n  name: a\n  line: 3\n",
			into: func() any { return &testTarget{} }, want: []string{"line 3: field line not found in type gitopsfile.testTarget"}},
		{name: "unexported fields are unknown", data: "s:\n  hidden: x\n",
			into: func() any { return &testTarget{} }, want: []string{"line 2: field hidden not found in type gitopsfile.testTarget"}},
		{name: "an inline map takes any key", data: "s:\n  name: a\n  other: 1\n", into: func() any { return &testWithRest{} }},
		{name: "a map takes any key", data: "s:\n  a: 1\n  b: 2\n", into: func() any { return &map[string]int{} }},
		{name: "wrong types and unknown fields, by line", data: "s:\n  unknown: 1\n  options: {live: maybe}\n  name: [x]\n",
			into: func() any { return &testTarget{} }, want: []string{
				"line 2: field unknown not found in type gitopsfile.testTarget",
				"line 3: cannot unmarshal !!str `maybe` into bool",
				"line 4: cannot unmarshal !!seq into string",
			}},
		{name: "an alias is checked where it is used", data: "o: &o {live: true, fast: true}\ns:\n  options: *o\n",
			into: func() any { return &testTarget{} }, want: []string{"line 1: field fast not found in type gitopsfile.testOptions"}},
		{name: "a merge key brings its keys", data: "base: &b {name: a, color: red}\ns:\n  <<: *b\n  path: x\n",
			into: func() any { return &testTarget{} }, want: []string{"line 1: field color not found in type gitopsfile.testTarget"}},
		{name: "an unmarshaler reads its own node", data: "s:\n  anything: goes\n", into: func() any { return &testRaw{} }},
		{name: "a node takes anything", data: "s:\n  anything: goes\n", into: func() any { return &yaml.Node{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := sectionOf(t, tt.data)
			err := Decode(f, tt.into())
			var got []string
			var te *yaml.TypeError
			if errors.As(err, &te) {
				got = te.Errors
			} else if err != nil {
				t.Fatalf("err %v, not a TypeError", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("errors %q\nwant   %q", got, tt.want)
			}
		})
	}
}

func TestDecodeValues(t *testing.T) {
	var got []testTarget
	if err := Decode(sectionOf(t, "s:\n  - name: a\n    path: x\n    cluster: c\n    options: {live: true}\n"), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "a" || got[0].Path != "x" || got[0].Cluster != "c" || got[0].Options == nil || !got[0].Options.Live {
		t.Errorf("decoded %+v", got)
	}
	keep := []testTarget{{Name: "kept"}}
	if err := Decode(nil, &keep); err != nil || keep[0].Name != "kept" {
		t.Errorf("Decode(nil) = %v, changed %+v", err, keep)
	}
}

// sectionOf parses data (a mapping) and returns the value of its key s.
func sectionOf(t *testing.T, data string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(data), &doc); err != nil {
		t.Fatal(err)
	}
	return MappingValue(doc.Content[0], "s")
}

// Decode finds what yaml.v3's Decoder finds with KnownFields on the same text.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"s:\n  - name: a\n    clusterr: x\n",
		"s:\n  - name: a\n    options: {life: true}\n  - nme: b\n",
		"o: &o {live: true, fast: true}\ns:\n  - options: *o\n",
		"base: &b {name: a, color: red}\ns:\n  - <<: *b\n    path: x\n",
		"s:\n  - <<: [{name: a}, {z: 1}]\n",
		"s:\n  - unknown: 1\n    options: {live: maybe}\n    name: [x]\n    line: 1\n",
		"s: {a: 1}\n",
		"s:\n  - labels: {a: [1]}\n    hidden: 2\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var doc yaml.Node
		if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			return
		}
		section := MappingValue(doc.Content[0], "s")
		if section == nil {
			return
		}
		if _, err := Parse("f", data); err != nil {
			return // a repeated top-level key: Parse's error, not Decode's
		}
		var fromNode []testTarget
		got, ok := typeErrors(Decode(section, &fromNode))
		if !ok {
			return
		}
		var fromText struct {
			S    []testTarget         `yaml:"s"`
			Rest map[string]yaml.Node `yaml:",inline"`
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		want, ok := typeErrors(dec.Decode(&fromText))
		if !ok {
			return
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("Decode: %q\nKnownFields: %q", got, want)
		}
	})
}

// typeErrors are the messages of a TypeError; false for another error.
func typeErrors(err error) ([]string, bool) {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return te.Errors, true
	}
	return nil, err == nil
}
