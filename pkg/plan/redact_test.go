package plan

import (
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestRedactSecretValues(t *testing.T) {
	secret := func(data, stringData map[string]any) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Secret",
			"metadata": map[string]any{"name": "creds", "namespace": "shop"}}}
		if data != nil {
			u.Object["data"] = data
		}
		if stringData != nil {
			u.Object["stringData"] = stringData
		}
		return u
	}
	cases := []struct {
		name   string
		obj    *unstructured.Unstructured
		msg    string
		want   string
		hidden []string
	}{
		{
			name:   "number in stringData",
			obj:    secret(nil, map[string]any{"pin": int64(987654321)}),
			msg:    ".stringData.pin: expected string, got &value.valueUnstructured{Value:987654321}",
			want:   ".stringData.pin: expected string, got &value.valueUnstructured{Value:(masked)}",
			hidden: []string{"987654321"},
		},
		{
			name:   "list in data, decoded and encoded",
			obj:    secret(map[string]any{"pw": []any{"c2Vrcml0LXZhbHVl"}}, nil),
			msg:    `.data.pw: got []interface {}{"c2Vrcml0LXZhbHVl"} (sekrit-value)`,
			hidden: []string{"c2Vrcml0LXZhbHVl", "sekrit-value"},
		},
		{
			name:   "value with quotes, JSON-escaped in the message",
			obj:    secret(nil, map[string]any{"pw": `a"quoted"secret`, "n": 1.5}),
			msg:    `value "a\"quoted\"secret" and a"quoted"secret and 1.5`,
			hidden: []string{`quoted`, "1.5"},
		},
		{
			name: "not a Secret",
			obj: &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
				"data": map[string]any{"k": "visible"}}},
			msg:  "data visible",
			want: "data visible",
		},
		{name: "nil object", msg: "plain", want: "plain"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := RedactSecretValues(tc.obj, tc.msg)
			if tc.want != "" && got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			for _, h := range tc.hidden {
				if strings.Contains(got, h) {
					t.Errorf("%q still shows %q", got, h)
				}
			}
		})
	}
}

// An error about applying a change is redacted with the values of its desired object,
// which the change holds as JSON only.
func TestChangeRedactSecretValues(t *testing.T) {
	secret := object.ID{Kind: "Secret", Namespace: "shop", Name: "creds"}
	cases := []struct {
		name   string
		id     object.ID
		json   string
		msg    string
		want   string
		hidden []string
	}{
		{
			name: "Secret",
			id:   secret,
			json: `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"creds","namespace":"shop"},"stringData":{"pin":987654321},"data":{"pw":"c2Vrcml0LXZhbHVl"}}`,
			msg:  "apply: .stringData.pin: got 987654321; .data.pw: sekrit-value",
			want: "apply: .stringData.pin: got (masked); .data.pw: (masked)",
		},
		{
			name:   "Secret that cannot be decoded",
			id:     secret,
			json:   `{"stringData":{"pin":987654321}`,
			msg:    "apply: .stringData.pin: got 987654321",
			hidden: []string{"987654321"},
		},
		{
			name: "not a Secret",
			id:   object.ID{Kind: "ConfigMap", Namespace: "shop", Name: "cfg"},
			json: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","namespace":"shop"},"data":{"k":"visible"}}`,
			msg:  "apply: data visible",
			want: "apply: data visible",
		},
		{name: "no desired object", id: secret, msg: "plain", want: "plain"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := Change{ID: tc.id, APIVersion: "v1", Action: Update}
			if tc.json != "" {
				c.DesiredJSON = []byte(tc.json)
			}
			got := c.RedactSecretValues(tc.msg)
			if tc.want != "" && got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			for _, h := range tc.hidden {
				if strings.Contains(got, h) {
					t.Errorf("%q still shows %q", got, h)
				}
			}
		})
	}
}
