package webhook

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// routingTypes are the event types decodeRouting reads, each with a new value.
var routingTypes = map[string]func() any{
	"pull_request":     func() any { return &PullRequestEvent{} },
	"issue_comment":    func() any { return &IssueCommentEvent{} },
	"check_run":        func() any { return &CheckRunEvent{} },
	"package":          func() any { return &PackageEvent{} },
	"registry_package": func() any { return &PackageEvent{} },
}

// sameAsUnmarshal fails unless decodeRouting gives what json.Unmarshal gives: the
// same value and the same error.
func sameAsUnmarshal(t *testing.T, newV func() any, payload []byte) {
	t.Helper()
	want, got := newV(), newV()
	werr := json.Unmarshal(payload, want)
	gerr := decodeRouting(payload, got)
	if fmt.Sprint(werr) != fmt.Sprint(gerr) {
		t.Fatalf("payload %.300q:\nerror %v\n want %v", payload, gerr, werr)
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("payload %.300q:\ngot  %+v\nwant %+v", payload, got, want)
	}
}

// TestDecodeRoutingIsUnmarshal: every GitHub example of the events decodeRouting
// reads, and payloads made to trip it, decode as json.Unmarshal decodes them.
func TestDecodeRoutingIsUnmarshal(t *testing.T) {
	examples := webhookExamples(t)
	for name, newV := range routingTypes {
		for _, b := range examples[name] {
			sameAsUnmarshal(t, newV, b)
		}
	}
	tricky := []string{
		``, ` `, `null`, `[]`, `"x"`, `1`, `{}`, ` { } `, `{"action":"opened"} x`, `{"action":"opened",}`, `[1,]`,
		`{"Action":"upper","ACTION":"last wins"}`, `{"action":"a","action":"b"}`, `{"act\u0069on":"escaped key"}`,
		`{"number":"3"}`, `{"number":3.5}`, `{"number":1e400}`, `{"number":-0}`, `{"number":01}`, `{"number":-}`,
		`{"number":1.}`, `{"number":1e}`, `{"number":.5}`, `{"number":+1}`, `{"number":3}}`, `{"number":3`,
		`{"pull_request":[]}`, `{"pull_request":{"head":"sha"}}`, `{"pull_request":{"head":{"sha":7}}}`,
		`{"changes":{"base":{}}}`, `{"changes":{"base":null}}`, `{"changes":{"base":"x"}}`, `{"changes":null}`,
		`{"installation":{"id":42,"ID":43}}`, `{"installation":{"id":"42"}}`, `{"installation":[1]}`,
		"{\"action\":\"a\x01b\"}", "{\"action\":\"\xff\xfe\"}", "{\"\xffaction\":\"x\"}", `{"action":"\q"}`,
		`{"action":"\u12"}`, `{"action":"\u12G4"}`, `{"action":"\ud800"}`, `{"action":"a\"b\\"}`,
		`{"x":[{"y":[true,false,null,{"z":"}"}]}],"action":"kept"}`, `{"x":[}`, `{"x":{]}`, `{"x":tru}`,
		`{"x":nul}`, `{"x":falsey}`, `{"x" 1}`, `{1:2}`, `{"x":1 "y":2}`, "{\t\"number\"\r\n:\n7 }",
		`{"check_run":{"pull_requests":[{"number":1,"head":{"sha":"a"}},{"number":"2"}]}}`,
		`{"check_run":{"pull_requests":{}}}`, `{"check_run":{"pull_requests":null}}`,
		`{"issue":{"pull_request":{"url":"u"}},"comment":{"user":{"login":"alice","type":"User"}}}`,
		`{"package":{"package_version":{"container_metadata":{"tag":{"name":"v1","digest":"sha256:x"}}}}}`,
		`{"registry_package":{"name":"n"},"repository":{"full_name":"a/b"}}`,
		`{"` + strings.Repeat("k", 100) + `":1}`,
		strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
		`{"x":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`,
		`{"pull_request":` + strings.Repeat(`{"head":`, 5000) + `null` + strings.Repeat("}", 5000) + `}`,
	}
	for name, newV := range routingTypes {
		for _, p := range tricky {
			t.Run(name, func(t *testing.T) { sameAsUnmarshal(t, newV, []byte(p)) })
		}
	}
}

// FuzzDecodeRouting: whatever the payload, decodeRouting gives what json.Unmarshal
// gives.
func FuzzDecodeRouting(f *testing.F) {
	for name, bodies := range webhookExamples(f) {
		if routingTypes[name] == nil {
			continue
		}
		for _, b := range bodies[:min(len(bodies), 2)] {
			f.Add(name, b)
		}
	}
	f.Add("pull_request", []byte(`{"action":"opened","number":3,"pull_request":{"head":{"sha":"abc"}},"installation":{"id":42}}`))
	f.Add("check_run", []byte(`{"check_run":{"pull_requests":[{"number":1,"head":{"sha":"a"}}]}}`))
	f.Fuzz(func(t *testing.T, name string, payload []byte) {
		newV := routingTypes[name]
		if newV == nil {
			newV = routingTypes["pull_request"]
		}
		sameAsUnmarshal(t, newV, payload)
	})
}

// BenchmarkDecodeRouting: GitHub's pull_request example into PullRequestEvent, by
// decodeRouting and by json.Unmarshal.
func BenchmarkDecodeRouting(b *testing.B) {
	payload := webhookExamples(b)["pull_request"][0]
	for _, fn := range []struct {
		name   string
		decode func([]byte, any) error
	}{{"decodeRouting", decodeRouting}, {"json.Unmarshal", json.Unmarshal}} {
		b.Run(fn.name, func(b *testing.B) {
			b.SetBytes(int64(len(payload)))
			for b.Loop() {
				if err := fn.decode(payload, &PullRequestEvent{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
