package plan

import (
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
)

func objs(t *testing.T, docs ...string) []manifest.Object {
	t.Helper()
	var out []manifest.Object
	for i, d := range docs {
		o, err := manifest.Parse("f.yaml", []byte(d))
		if err != nil {
			t.Fatalf("doc %d: %v", i, err)
		}
		for j := range o {
			o[j].Source.Line += i * 100
		}
		out = append(out, o...)
	}
	return out
}

func TestBuildOffline(t *testing.T) {
	cm := func(name, ns, value string, ann string) string {
		s := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n"
		if ns != "" {
			s += "  namespace: " + ns + "\n"
		}
		if ann != "" {
			s += "  annotations:\n    kubectl-gitops.io/ignore: \"" + ann + "\"\n"
		}
		return s + "data:\n  k: " + value + "\n"
	}
	secret := func(v string) string {
		return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: a\nstringData:\n  password: " + v + "\n"
	}
	tests := []struct {
		name       string
		base, head []string
		opts       OfflineOptions
		want       map[string]Action // ID -> action
		problems   int
		diffHas    string
		diffLacks  string
	}{
		{"create, update, unchanged, delete",
			[]string{cm("same", "a", "1", ""), cm("changed", "a", "1", ""), cm("gone", "a", "1", "")},
			[]string{cm("same", "a", "1", ""), cm("changed", "a", "2", ""), cm("new", "a", "1", "")},
			OfflineOptions{Prune: true},
			map[string]Action{"ConfigMap a/same": Unchanged, "ConfigMap a/changed": Update, "ConfigMap a/new": Create, "ConfigMap a/gone": Delete},
			0, "+  k: 2", ""},
		{"no prune", []string{cm("gone", "a", "1", "")}, nil, OfflineOptions{},
			map[string]Action{}, 0, "", ""},
		{"default namespace, cluster-scoped kinds keep none",
			[]string{cm("x", "", "1", "")},
			[]string{cm("x", "apps", "1", ""), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\n  namespace: wrong\n"},
			OfflineOptions{DefaultNamespace: "apps"},
			map[string]Action{"ConfigMap apps/x": Unchanged, "Namespace apps": Create, "ClusterRole.rbac.authorization.k8s.io r": Create},
			0, "", ""},
		{"ignore and sync_only",
			[]string{cm("kept", "a", "1", "sync_only")},
			[]string{cm("skipped", "a", "1", "true")},
			OfflineOptions{Prune: true},
			map[string]Action{"ConfigMap a/skipped": Skip, "ConfigMap a/kept": Skip},
			0, "", ""},
		{"secret values masked", []string{secret("old-password-1")}, []string{secret("new-password-2")}, OfflineOptions{},
			map[string]Action{"Secret a/s": Update}, 0, "masked", "password-"},
		{"problems: disallowed namespace, defined twice",
			nil, []string{cm("x", "b", "1", ""), cm("why", "a", "1", ""), cm("why", "a", "2", "")},
			OfflineOptions{AllowNamespaces: []string{"a"}},
			map[string]Action{"ConfigMap a/why": Create}, 2, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := BuildOffline(objs(t, tt.base...), objs(t, tt.head...), tt.opts)
			got := map[string]Action{}
			var diffs strings.Builder
			for _, c := range p.Changes {
				got[c.ID.String()] = c.Action
				diffs.WriteString(c.Diff)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("changes %v, want %v", got, tt.want)
			}
			for id, a := range tt.want {
				if got[id] != a {
					t.Errorf("%s: %s, want %s (all: %v)", id, got[id], a, got)
				}
			}
			if len(p.Problems) != tt.problems {
				t.Errorf("problems %v, want %d", p.Problems, tt.problems)
			}
			if tt.diffHas != "" && !strings.Contains(diffs.String(), tt.diffHas) {
				t.Errorf("diffs lack %q:\n%s", tt.diffHas, diffs.String())
			}
			if tt.diffLacks != "" && strings.Contains(diffs.String(), tt.diffLacks) {
				t.Errorf("diffs show %q:\n%s", tt.diffLacks, diffs.String())
			}
		})
	}
}
