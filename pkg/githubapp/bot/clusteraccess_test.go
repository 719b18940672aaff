package bot

import (
	"fmt"
	"strings"
	"testing"
)

const accessFile = `clusters:
  prod-eu:
    repositories: ["Acme/Fleet", "acme/shop-*"]
    namespaces: ["shop-*", payments]
  staging:
    owners: [acme]
    namespaces: ["*"]
  dev:
    owners: ["team-*"]
    repositories: [solo/app]
    namespaces: [dev]
`

var accessContexts = []string{"prod-eu", "staging", "dev", "other"}

func TestParseClusterAccess(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		want    []string // error fragments; none: valid
		granted []string
	}{
		{name: "valid", data: accessFile, granted: []string{"dev", "prod-eu", "staging"}},
		{name: "empty file grants nothing", data: "", granted: []string{}},
		{name: "unknown context", data: "clusters:\n  prod-eu:\n    owners: [a]\n    namespaces: [x]\n  nope:\n    owners: [a]\n    namespaces: [x]\n",
			want: []string{`access.yaml:5: context "nope": not a context of the kubeconfig`}},
		{name: "unknown field", data: "clusters:\n  dev:\n    repos: [a/b]\n",
			want: []string{"access.yaml:", "line 3: field repos not found in type a cluster's grant"}},
		{name: "no namespaces", data: "clusters:\n  dev:\n    owners: [a]\n",
			want: []string{`access.yaml:2: context "dev": namespaces are required`}},
		{name: "grants no one", data: "clusters:\n  dev:\n    namespaces: [x]\n",
			want: []string{`access.yaml:2: context "dev": grants no one`}},
		{name: "repository without owner", data: "clusters:\n  dev:\n    repositories: [fleet]\n    namespaces: [x]\n",
			want: []string{`repository "fleet": want an owner/name glob`}},
		{name: "bad glob", data: "clusters:\n  dev:\n    repositories: [\"a/[b\"]\n    namespaces: [\"x[\"]\n",
			want: []string{`repository "a/[b"`, `namespace "x["`}},
		{name: "owner with a slash", data: "clusters:\n  dev:\n    owners: [a/b]\n    namespaces: [x]\n",
			want: []string{`owner "a/b": want an account`}},
		{name: "not YAML", data: "clusters: [\n", want: []string{"access.yaml: yaml: line"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseClusterAccess("access.yaml", []byte(tt.data), accessContexts)
			if len(tt.want) > 0 {
				for _, w := range tt.want {
					if err == nil || !strings.Contains(err.Error(), w) {
						t.Errorf("error %v, want it to say %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(a.Contexts()); got != fmt.Sprint(tt.granted) {
				t.Errorf("contexts %s, want %v", got, tt.granted)
			}
		})
	}
}

func TestClusterAccessResolve(t *testing.T) {
	a, err := ParseClusterAccess("access.yaml", []byte(accessFile), accessContexts)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		access  *ClusterAccess
		repo    string
		cluster string
		allow   []string
		want    TargetAccess
	}{
		{name: "no cluster asked: offline, nothing to say", access: a, repo: "acme/fleet"},
		{name: "no file: nothing granted", access: nil, repo: "acme/fleet", cluster: "prod-eu",
			want: TargetAccess{Reason: "cluster prod-eu is not granted to acme/fleet by the bot's operator"}},
		{name: "granted repository, grant's namespaces", access: a, repo: "acme/fleet", cluster: "prod-eu",
			want: TargetAccess{Live: true, AllowNamespaces: []string{"shop-*", "payments"}, NamespacedOnly: true}},
		{name: "case-insensitive like GitHub logins", access: a, repo: "ACME/fleet", cluster: "prod-eu",
			want: TargetAccess{Live: true, AllowNamespaces: []string{"shop-*", "payments"}, NamespacedOnly: true}},
		{name: "repository glob", access: a, repo: "acme/shop-api", cluster: "prod-eu",
			want: TargetAccess{Live: true, AllowNamespaces: []string{"shop-*", "payments"}, NamespacedOnly: true}},
		{name: "another repository of the owner", access: a, repo: "acme/other", cluster: "prod-eu",
			want: TargetAccess{Reason: "cluster prod-eu is not granted to acme/other by the bot's operator"}},
		{name: "another tenant", access: a, repo: "evil/fleet", cluster: "prod-eu",
			want: TargetAccess{Reason: "cluster prod-eu is not granted to evil/fleet by the bot's operator"}},
		{name: "a glob does not cross the slash", access: a, repo: "acme/shop-x/y", cluster: "prod-eu",
			want: TargetAccess{Reason: "cluster prod-eu is not granted to acme/shop-x/y by the bot's operator"}},
		{name: "context not in the file: same words as not granted", access: a, repo: "acme/fleet", cluster: "other",
			want: TargetAccess{Reason: "cluster other is not granted to acme/fleet by the bot's operator"}},
		{name: "context that does not exist: same words", access: a, repo: "acme/fleet", cluster: "nowhere",
			want: TargetAccess{Reason: "cluster nowhere is not granted to acme/fleet by the bot's operator"}},
		{name: "owner grant", access: a, repo: "Acme/anything", cluster: "staging", want: TargetAccess{Live: true}},
		{name: "owner grant, target's namespaces kept under *", access: a, repo: "acme/x", cluster: "staging", allow: []string{"a", "b-*"},
			want: TargetAccess{Live: true, AllowNamespaces: []string{"a", "b-*"}}},
		{name: "owner glob", access: a, repo: "team-blue/app", cluster: "dev", want: TargetAccess{Live: true, AllowNamespaces: []string{"dev"}, NamespacedOnly: true}},
		{name: "owner glob is not a repository glob", access: a, repo: "blue/team-app", cluster: "dev",
			want: TargetAccess{Reason: "cluster dev is not granted to blue/team-app by the bot's operator"}},
		{name: "intersection keeps granted names", access: a, repo: "acme/fleet", cluster: "prod-eu", allow: []string{"shop-eu", "kube-system", "payments"},
			want: TargetAccess{Live: true, AllowNamespaces: []string{"shop-eu", "payments"}, NamespacedOnly: true}},
		{name: "target glob meets grant names and globs", access: a, repo: "acme/fleet", cluster: "prod-eu", allow: []string{"pay*", "shop-*"},
			want: TargetAccess{Live: true, AllowNamespaces: []string{"payments", "shop-*"}, NamespacedOnly: true}},
		{name: "target * is the grant's", access: a, repo: "acme/fleet", cluster: "prod-eu", allow: []string{"*"},
			want: TargetAccess{Live: true, AllowNamespaces: []string{"shop-*", "payments"}, NamespacedOnly: true}},
		{name: "different globs keep only what both surely allow", access: a, repo: "acme/fleet", cluster: "prod-eu", allow: []string{"shop-e?"},
			want: TargetAccess{Reason: "none of allowNamespaces [shop-e?] is granted to acme/fleet on cluster prod-eu"}},
		{name: "nothing in common: offline", access: a, repo: "acme/fleet", cluster: "prod-eu", allow: []string{"kube-system"},
			want: TargetAccess{Reason: "none of allowNamespaces [kube-system] is granted to acme/fleet on cluster prod-eu"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.access.Resolve(tt.repo, tt.cluster, tt.allow)
			if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", tt.want) {
				t.Errorf("Resolve(%q, %q, %q) =\n %+v\nwant\n %+v", tt.repo, tt.cluster, tt.allow, got, tt.want)
			}
		})
	}
}
