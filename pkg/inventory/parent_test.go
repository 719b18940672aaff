package inventory

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestParseParent(t *testing.T) {
	tests := []struct {
		in, ns  string
		want    Parent
		wantErr string
	}{
		{in: "prod", ns: "ops", want: Parent{Kind: "Secret", Namespace: "ops", Name: "prod"}},
		{in: "secret/prod", ns: "ops", want: Parent{Kind: "Secret", Namespace: "ops", Name: "prod"}},
		{in: "configmaps/prod", ns: "ops", want: Parent{Kind: "ConfigMap", Namespace: "ops", Name: "prod"}},
		{in: "cm/prod", ns: "ops", want: Parent{Kind: "ConfigMap", Namespace: "ops", Name: "prod"}},
		{in: "deployment/prod", ns: "ops", wantErr: "secret or configmap"},
		{in: "secret/", ns: "ops", wantErr: "empty name"},
		{in: "prod", ns: "", wantErr: "no namespace"},
		{in: "Prod_Set", ns: "ops", wantErr: "invalid name"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseParent(tt.in, tt.ns)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestParentID(t *testing.T) {
	// kubectl's format: applyset-<base64url(sha256(name.namespace.kind.group))>-v1;
	// test/e2e checks the same against kubectl itself.
	a := Parent{Kind: "Secret", Namespace: "ns", Name: "x"}.ID()
	b := Parent{Kind: "ConfigMap", Namespace: "ns", Name: "x"}.ID()
	if !strings.HasPrefix(a, "applyset-") || !strings.HasSuffix(a, "-v1") || len(a) != len("applyset--v1")+43 {
		t.Fatalf("id %q has the wrong shape", a)
	}
	if a == b {
		t.Fatal("the kind must be part of the id")
	}
}

func TestGroupKindsRoundTrip(t *testing.T) {
	in := "Deployment.apps,ConfigMap,Namespace,ConfigMap"
	gks := parseGroupKinds(in)
	want := []schema.GroupKind{{Kind: "ConfigMap"}, {Group: "apps", Kind: "Deployment"}, {Kind: "Namespace"}}
	if len(gks) != len(want) {
		t.Fatalf("got %v", gks)
	}
	for i := range want {
		if gks[i] != want[i] {
			t.Fatalf("got %v, want %v", gks, want)
		}
	}
	if got := formatGroupKinds(gks); got != "ConfigMap,Deployment.apps,Namespace" {
		t.Fatalf("format = %q", got)
	}
	if got := union([]string{"b", "a", ""}, []string{"a", "c"}); strings.Join(got, ",") != "a,b,c" {
		t.Fatalf("union = %v", got)
	}
}
