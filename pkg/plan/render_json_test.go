package plan

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
)

// docExamplePlan is the plan whose JSON docs/plan-json.md shows.
func docExamplePlan(t *testing.T) *Plan {
	t.Helper()
	p := samplePlan(t)
	p.Changes = p.Changes[:len(p.Changes)-1] // without the unverified create, for brevity
	p.Changes[2].Reason = ""
	id := object.ID{Group: "apps", Kind: "Deployment", Namespace: "shop", Name: "web"}
	p.Problems = []Problem{{
		ID: &id, Source: manifest.Source{File: "apps/web.yaml", Line: 3},
		Message: `Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0`,
	}}
	return p
}

func writeJSON(t *testing.T, p *Plan) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := p.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestWriteJSONRoundTrip(t *testing.T) {
	p := executedPlan(t)
	p.Problems = docExamplePlan(t).Problems
	out := writeJSON(t, p)

	var got Plan
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	want := *p
	want.Changes = slices.Clone(p.Changes)
	for i := range want.Changes {
		want.Changes[i].DesiredJSON, want.Changes[i].Live, want.Changes[i].Merged = nil, nil, nil
	}
	if !got.Created.Equal(want.Created) {
		t.Errorf("created = %v, want %v", got.Created, want.Created)
	}
	got.Created = want.Created
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}

	var withSummary struct {
		Summary Counts `json:"summary"`
	}
	if err := json.Unmarshal(out, &withSummary); err != nil {
		t.Fatal(err)
	}
	if withSummary.Summary != p.Counts() {
		t.Errorf("summary = %+v, want %+v", withSummary.Summary, p.Counts())
	}
}

func TestWriteJSONDefaults(t *testing.T) {
	out := writeJSON(t, &Plan{})
	var m map[string]interface{}
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	if m["schemaVersion"] != SchemaVersion {
		t.Errorf("schemaVersion = %v", m["schemaVersion"])
	}
	if c, ok := m["changes"].([]interface{}); !ok || len(c) != 0 {
		t.Errorf("changes = %#v, want []", m["changes"])
	}
	if _, ok := m["problems"]; ok {
		t.Error("empty problems written")
	}
}

// The example in docs/plan-json.md is what WriteJSON writes, and its field tables
// name every field the JSON has.
func TestPlanJSONDocs(t *testing.T) {
	doc, err := os.ReadFile("../../docs/plan-json.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```json\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/plan-json.md has no ```json example")
	}
	if got := writeJSON(t, docExamplePlan(t)); string(got) != string(m[1]) {
		t.Errorf("the example in docs/plan-json.md is not what WriteJSON writes; it writes:\n%s", got)
	}

	documented := map[string]bool{}
	for _, f := range regexp.MustCompile("(?m)^\\| `([a-zA-Z.\\[\\]]+)` \\|").FindAllSubmatch(doc, -1) {
		documented[string(f[1])] = true
	}
	full := executedPlan(t) // every field of a change is set somewhere in it
	full.Problems = docExamplePlan(t).Problems
	var all map[string]interface{}
	if err := json.Unmarshal(writeJSON(t, full), &all); err != nil {
		t.Fatal(err)
	}
	for _, path := range jsonPaths("", all) {
		if !documented[path] {
			t.Errorf("field %s is not documented in docs/plan-json.md", path)
		}
	}
}

// jsonPaths lists the field paths of v: "changes[].id.kind".
func jsonPaths(prefix string, v interface{}) []string {
	var out []string
	switch t := v.(type) {
	case map[string]interface{}:
		for k, sub := range t {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			out = append(out, p)
			out = append(out, jsonPaths(p, sub)...)
		}
	case []interface{}:
		for _, sub := range t {
			out = append(out, jsonPaths(prefix+"[]", sub)...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// The JSON never holds the objects themselves (they may hold Secret values).
func TestWriteJSONOmitsObjects(t *testing.T) {
	out := string(writeJSON(t, samplePlan(t)))
	for _, key := range []string{`"desired"`, `"live"`, `"merged"`, `"Desired"`, `"DesiredJSON"`, `"Live"`, `"Merged"`, `"Object"`} {
		if strings.Contains(out, key) {
			t.Errorf("JSON has the key %s", key)
		}
	}
}

// TestWriteJSONStreamsTheSameBytes checks that writing the changes one at a time gives
// exactly the JSON of encoding the whole plan at once.
func TestWriteJSONStreamsTheSameBytes(t *testing.T) {
	for _, p := range []*Plan{executedPlan(t), docExamplePlan(t), {ApplySet: "Secret.v1 a/b"}} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		cp := *p
		cp.SchemaVersion = SchemaVersion
		if cp.Changes == nil {
			cp.Changes = []Change{}
		}
		if err := enc.Encode(planJSON{Plan: &cp, Summary: cp.Counts()}); err != nil {
			t.Fatal(err)
		}
		if got := writeJSON(t, p); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("streamed:\n%s\nwhole:\n%s", got, want.Bytes())
		}
	}
}
