package manifest

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseSourceLines(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{
			name: "single document",
			in:   cm("a"),
			want: []string{"f.yaml:1 ConfigMap a"},
		},
		{
			name: "leading comments and blank lines",
			in:   "# Copyright\n# License\n\n" + cm("a"),
			want: []string{"f.yaml:4 ConfigMap a"},
		},
		{
			name: "leading separator",
			in:   "---\n" + cm("a"),
			want: []string{"f.yaml:2 ConfigMap a"},
		},
		{
			name: "multi-document",
			in:   cm("a") + "---\n" + cm("b") + "---\n" + cm("c"),
			want: []string{"f.yaml:1 ConfigMap a", "f.yaml:6 ConfigMap b", "f.yaml:11 ConfigMap c"},
		},
		{
			name: "separator with comment, comments inside documents",
			in:   cm("a") + "--- # the second one\n# about b\n" + cm("b"),
			want: []string{"f.yaml:1 ConfigMap a", "f.yaml:7 ConfigMap b"},
		},
		{
			name: "empty documents and separator-only documents",
			in:   "---\n---\n\n---\n# only a comment\n---\n" + cm("a") + "---\n---\n",
			want: []string{"f.yaml:7 ConfigMap a"},
		},
		{
			name: "explicit null document",
			in:   "~\n---\n" + cm("a"),
			want: []string{"f.yaml:3 ConfigMap a"},
		},
		{
			name: "document end marker inside a chunk",
			in:   cm("a") + "...\n--- !!map\n" + cm("b"),
			want: []string{"f.yaml:1 ConfigMap a", "f.yaml:6 ConfigMap b"}, // the tag starts the content
		},
		{
			name: "CRLF line endings",
			in:   strings.ReplaceAll("# c\n"+cm("a")+"---\n"+cm("b"), "\n", "\r\n"),
			want: []string{"f.yaml:2 ConfigMap a", "f.yaml:7 ConfigMap b"},
		},
		{
			name: "separator lookalikes are content",
			in:   "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: |\n    ---not a separator\n",
			want: []string{"f.yaml:1 ConfigMap a"},
		},
		{
			name: "namespaced object",
			in:   "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n",
			want: []string{"f.yaml:1 Deployment.apps shop/web"},
		},
		{
			name: "empty file",
			in:   "",
			want: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Parse("f.yaml", []byte(tt.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := describe(objs); !slices.Equal(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestParseSkipsNonObjects(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"helm values", "image: bitnami/ghost:1.21.5-r0\npersistence:\n  enabled: true\n"},
		{"github workflow", "name: lint\non:\n  push:\n    branches: [main]\njobs:\n  x:\n    runs-on: ubuntu-latest\n"},
		{"top-level list", "- a\n- b\n"},
		{"scalar", "just text\n"},
		{"kustomization", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n"},
		{"kustomize component", "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"},
		{"kustomize builtin plugin config", "apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: labels\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Parse("f.yaml", []byte(tt.in+"---\n"+cm("kept")))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := describe(objs); len(got) != 1 || !strings.HasSuffix(got[0], "ConfigMap kept") {
				t.Errorf("got %q, want only the ConfigMap", got)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantLines []int
		wantMsg   []string
		wantObjs  int
	}{
		{
			name:      "malformed YAML reports the parser's line",
			in:        cm("a") + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  labels: [x\n",
			wantLines: []int{10},
			wantMsg:   []string{"invalid YAML"},
			wantObjs:  1,
		},
		{
			name:      "unterminated flow mapping",
			in:        "# c\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a\n",
			wantLines: []int{4},
			wantMsg:   []string{"did not find expected ',' or '}'"},
		},
		{
			name:      "bad indentation",
			in:        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n labels: {}\n",
			wantLines: []int{4},
			wantMsg:   []string{"did not find expected key"},
		},
		{
			name:      "second document, after blank and comment lines",
			in:        cm("a") + "---\n\n# comment\nkey: [1, 2]]\n",
			wantLines: []int{7},
			wantMsg:   []string{"did not find expected key"},
			wantObjs:  1,
		},
		{
			name:      "unknown alias",
			in:        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: *nope\n",
			wantLines: []int{1},
			wantMsg:   []string{"unknown anchor 'nope'"},
		},
		{
			name:      "no line from the parser: the document's first content line",
			in:        cm("a") + "---\nkey: [1, 2]]\n",
			wantLines: []int{6},
			wantMsg:   []string{"did not find expected key"},
			wantObjs:  1,
		},
		{
			name:      "tab indentation",
			in:        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: a\n",
			wantLines: []int{4},
			wantMsg:   []string{"invalid YAML"},
		},
		{
			name:      "mapping values in the wrong place, later documents still read",
			in:        "# lead\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a: b\n---\n" + cm("ok"),
			wantLines: []int{5},
			wantMsg:   []string{"mapping values are not allowed"},
			wantObjs:  1,
		},
		{
			name:      "duplicate key",
			in:        cm("a") + "---\n" + "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  name: c\n",
			wantLines: []int{10},
			wantMsg:   []string{`key "name" already set`},
			wantObjs:  1,
		},
		{
			name:      "kind without apiVersion",
			in:        cm("a") + "---\n# no version\nkind: Deployment\nmetadata:\n  name: web\n",
			wantLines: []int{7},
			wantMsg:   []string{"kind Deployment has no apiVersion"},
			wantObjs:  1,
		},
		{
			name:      "apiVersion without kind",
			in:        "apiVersion: apps/v1\nmetadata:\n  name: web\n",
			wantLines: []int{1},
			wantMsg:   []string{"apiVersion apps/v1 has no kind"},
		},
		{
			name:      "missing metadata.name",
			in:        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  namespace: shop\n",
			wantLines: []int{1},
			wantMsg:   []string{"Deployment (apps/v1) has no metadata.name"},
		},
		{
			name:      "missing metadata",
			in:        "---\napiVersion: v1\nkind: Namespace\n",
			wantLines: []int{2},
			wantMsg:   []string{"Namespace (v1) has no metadata.name"},
		},
		{
			name:      "name is not a string",
			in:        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [a]\n",
			wantLines: []int{1},
			wantMsg:   []string{"metadata.name must be a non-empty string"},
		},
		{
			name:      "kind is not a string",
			in:        "apiVersion: v1\nkind: {a: b}\nmetadata:\n  name: a\n",
			wantLines: []int{1},
			wantMsg:   []string{"kind must be a non-empty string"},
		},
		{
			name:      "several errors in one file",
			in:        "kind: A\nmetadata: {name: a}\n---\napiVersion: v1\nkind: B\n---\n" + cm("ok") + "---\nfoo: [\n",
			wantLines: []int{1, 4, 12},
			wantMsg:   []string{"no apiVersion", "no metadata.name", "invalid YAML"},
			wantObjs:  1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Parse("dir/f.yaml", []byte(tt.in))
			if len(objs) != tt.wantObjs {
				t.Errorf("got %d objects, want %d", len(objs), tt.wantObjs)
			}
			errs := manifestErrors(t, err)
			if len(errs) != len(tt.wantLines) {
				t.Fatalf("got %d errors (%v), want %d", len(errs), err, len(tt.wantLines))
			}
			for i, e := range errs {
				if e.Source.File != "dir/f.yaml" || e.Source.Line != tt.wantLines[i] {
					t.Errorf("error %d at %s, want dir/f.yaml:%d (%v)", i, e.Source, tt.wantLines[i], e)
				}
				if !strings.Contains(e.Error(), tt.wantMsg[i]) {
					t.Errorf("error %d = %q, want it to contain %q", i, e, tt.wantMsg[i])
				}
				if !strings.HasPrefix(e.Error(), e.Source.String()+": ") {
					t.Errorf("error %q does not start with its position", e)
				}
			}
		})
	}
}

func TestParseLists(t *testing.T) {
	list := `# a list as kubectl get -o yaml writes it
apiVersion: v1
kind: List
metadata:
  resourceVersion: ""
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: a
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
    namespace: shop
`
	typed := `apiVersion: v1
kind: ServiceList
items:
- apiVersion: v1
  kind: Service
  metadata:
    name: s1
- apiVersion: v1
  kind: Service
  metadata:
    name: s2
`
	nested := `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: List
  items:
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: inner
`
	tests := []struct {
		name     string
		in       string
		want     []string
		wantErrs []string
	}{
		{
			name: "kind List",
			in:   cm("before") + "---\n" + list,
			want: []string{"f.yaml:1 ConfigMap before", "f.yaml:7 ConfigMap a", "f.yaml:7 Deployment.apps shop/web"},
		},
		{
			name: "typed list",
			in:   typed,
			want: []string{"f.yaml:1 Service s1", "f.yaml:1 Service s2"},
		},
		{
			name: "nested list",
			in:   nested,
			want: []string{"f.yaml:1 ConfigMap inner"},
		},
		{
			name: "empty list",
			in:   "apiVersion: v1\nkind: List\nitems: []\n",
			want: []string{},
		},
		{
			name:     "bad items keep the good ones",
			in:       "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: ok}\n- kind: Secret\n  metadata: {name: s}\n- apiVersion: v1\n  kind: ConfigMap\n- just a string\n- {}\n",
			want:     []string{"f.yaml:1 ConfigMap ok"},
			wantErrs: []string{"f.yaml:1: List items[1]: kind Secret has no apiVersion", "f.yaml:1: List items[2]: ConfigMap (v1) has no metadata.name", "f.yaml:1: List items[3] is not an object", "f.yaml:1: List items[4] has no apiVersion and no kind"},
		},
		{
			name:     "List without items",
			in:       "apiVersion: v1\nkind: List\n",
			want:     []string{},
			wantErrs: []string{"f.yaml:1: kind List without an items list"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Parse("f.yaml", []byte(tt.in))
			if got := describe(objs); !slices.Equal(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
			var msgs []string
			for _, e := range manifestErrors(t, err) {
				msgs = append(msgs, e.Error())
			}
			if !slices.Equal(msgs, tt.wantErrs) {
				t.Errorf("errors %q\nwant %q", msgs, tt.wantErrs)
			}
		})
	}
}

func TestParseValues(t *testing.T) {
	in := `apiVersion: v1
kind: ConfigMap
metadata:
  name: a
  labels: &labels
    app: web
  annotations:
    <<: *labels
data:
  quoted: "yes"
  octal: "0755"
replicas: 3
ratio: 0.5
`
	objs, err := Parse("f.yaml", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	u := objs[0].Obj.Object
	if got, ok := u["replicas"].(int64); !ok || got != 3 {
		t.Errorf("replicas = %#v, want int64 3", u["replicas"])
	}
	if got, ok := u["ratio"].(float64); !ok || got != 0.5 {
		t.Errorf("ratio = %#v, want float64 0.5", u["ratio"])
	}
	if got := objs[0].Obj.GetAnnotations()["app"]; got != "web" {
		t.Errorf("merge key not resolved: annotations %v", objs[0].Obj.GetAnnotations())
	}
	if got := u["data"].(map[string]interface{})["quoted"]; got != "yes" {
		t.Errorf("quoted = %#v", got)
	}
}

func TestErrorUnwraps(t *testing.T) {
	_, err := Parse("f.yaml", []byte("kind: A\n"))
	var me *Error
	if !errors.As(err, &me) || me.Source != (Source{File: "f.yaml", Line: 1}) {
		t.Fatalf("got %v", err)
	}
}

// TestPlainDocumentMatchesParser checks the shortcut for plain documents against the
// YAML parser's answer: the same content line, the same object, the same skips.
func TestPlainDocumentMatchesParser(t *testing.T) {
	tests := []struct {
		name, data string
		plain      bool
	}{
		{"object", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", true},
		{"leading comments and blanks", "# header\n\n  # indented comment\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n", true},
		{"indented object", "  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n", true},
		{"flow mapping", "{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n", true},
		{"anchor on its own line", "&a\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", true},
		{"comments only", "# nothing\n\n", true},
		{"null", "null\n", true},
		{"scalar", "hello\n", true},
		{"list", "- a\n- b\n", true},
		{"yaml 1.1 scalars", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {a: yes, b: 010, c: 1e3}\n", true},
		{"document end marker", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n...\n", false},
		{"tagged start", "--- !!map\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", false},
		{"directive", "%YAML 1.1\n--- \napiVersion: v1\n", false},
		{"duplicate key", "apiVersion: v1\napiVersion: v1\nkind: ConfigMap\n", false},
		{"syntax error", "apiVersion: v1\nkind: [ConfigMap\n", false},
	}
	for _, tt := range tests {
		c := chunk{data: []byte(tt.data), line: 7}
		got, ok := plainDocument(c)
		if ok != tt.plain {
			t.Errorf("%s: plain = %v, want %v", tt.name, ok, tt.plain)
		}
		if !ok {
			continue
		}
		want, err := decodeChunkNodes(c)
		if err != nil {
			t.Fatalf("%s: parser: %v", tt.name, err.err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d documents, the parser finds %d", tt.name, len(got), len(want))
		}
		for i := range want {
			m, lerr := toMap(want[i].raw, want[i].offset)
			if lerr != nil {
				t.Fatalf("%s: toMap: %v", tt.name, lerr.err)
			}
			if got[i].line != want[i].line || !reflect.DeepEqual(got[i].m, m) {
				t.Errorf("%s: line %d %v, the parser gives line %d %v", tt.name, got[i].line, got[i].m, want[i].line, m)
			}
		}
	}
}
