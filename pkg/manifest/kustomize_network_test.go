package manifest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestKustomizeNeverFetches: a pull request may name a URL in any field Kustomize reads
// a path from, at the top level of a kustomization or in a builtin plugin's config,
// inline or as a file. The build never sends a request (a loopback server counts them:
// zero), and fails with an error naming the file, the line and the field.
func TestKustomizeNeverFetches(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leaked\ndata:\n  creds: node-role-secret\n"))
	}))
	defer srv.Close()
	url := srv.URL + "/latest/meta-data/iam/security-credentials/node-role"

	// Each builtin plugin config that takes a path or a list of them, by its field.
	// Generators go in generators:, transformers in transformers: and validators:.
	gen, tr := []string{"generators"}, []string{"transformers", "validators"}
	plugins := []struct {
		name, config, field string
		lists               []string
	}{
		{"ConfigMapGenerator files", "kind: ConfigMapGenerator\nmetadata: {name: leak, namespace: default}\nfiles: [creds=URL]", "files[0]", gen},
		{"ConfigMapGenerator envs", "kind: ConfigMapGenerator\nmetadata: {name: leak}\nenvs: [URL]", "envs[0]", gen},
		{"SecretGenerator files", "kind: SecretGenerator\nmetadata: {name: leak}\nfiles: [URL]", "files[0]", gen},
		{"SecretGenerator envs", "kind: SecretGenerator\nmetadata: {name: leak}\nenvs: [URL]", "envs[0]", gen},
		{"PatchTransformer", "kind: PatchTransformer\nmetadata: {name: p}\npath: URL\ntarget: {kind: ConfigMap}", "path", tr},
		{"PatchStrategicMergeTransformer", "kind: PatchStrategicMergeTransformer\nmetadata: {name: p}\npaths: [URL]", "paths[0]", tr},
		{"PatchJson6902Transformer", "kind: PatchJson6902Transformer\nmetadata: {name: p}\ntarget: {kind: ConfigMap, name: base, version: v1}\npath: URL", "path", tr},
		{"ReplacementTransformer", "kind: ReplacementTransformer\nmetadata: {name: r}\nreplacements: [{path: URL}]", "replacements[0].path", tr},
		// Helm is refused as a whole (it runs a binary); its config is never read.
		{"HelmChartInflationGenerator", "kind: HelmChartInflationGenerator\nmetadata: {name: h}\nname: c\nvaluesFile: URL", "helm", gen},
	}
	type tc struct {
		name  string
		files map[string]string
		file  string // the file the error must name
		field string // and the field
	}
	base := map[string]string{"cm.yaml": cm("base")}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = strings.ReplaceAll(v, "URL", url)
		}
		return m
	}
	var cases []tc
	for _, p := range plugins {
		cfg := "apiVersion: builtin\n" + p.config
		for _, list := range p.lists {
			field, file := list+"[0]."+p.field, "plugin.yaml"
			if p.field == "helm" {
				field, file = "helm", "kustomization.yaml"
			}
			cases = append(cases, tc{
				name:  p.name + " inline in " + list,
				files: with(map[string]string{"kustomization.yaml": "resources: [cm.yaml]\n" + list + ":\n- |-\n" + indent(cfg, "  ") + "\n"}),
				file:  "kustomization.yaml", field: field,
			})
			if p.field != "helm" {
				field = p.field
			}
			cases = append(cases, tc{
				name:  p.name + " as a file in " + list,
				files: with(map[string]string{"kustomization.yaml": "resources: [cm.yaml]\n" + list + ": [plugin.yaml]\n", "plugin.yaml": cfg + "\n"}),
				file:  file, field: field,
			})
		}
	}
	top := []struct{ name, kust, field string }{
		{"patches", "patches:\n- path: URL\n  target: {kind: ConfigMap}\n", "patches[0].path"},
		{"patchesStrategicMerge", "patchesStrategicMerge: [URL]\n", "patchesStrategicMerge[0]"},
		{"patchesJson6902", "patchesJson6902:\n- path: URL\n  target: {kind: ConfigMap, name: base, version: v1}\n", "patchesJson6902[0].path"},
		{"replacements", "replacements:\n- path: URL\n", "replacements[0].path"},
		{"configurations", "configurations: [URL]\n", "configurations[0]"},
		{"openapi", "openapi:\n  path: URL\n", "openapi.path"},
		{"crds", "crds: [URL]\n", "crds[0]"},
		{"resources", "resources: [URL]\n", "resources[1]"},
		{"configMapGenerator", "configMapGenerator:\n- name: leak\n  files: [URL]\n", "configMapGenerator[0].files[0]"},
		{"secretGenerator env", "secretGenerator:\n- name: leak\n  envs: [URL]\n", "secretGenerator[0].envs[0]"},
	}
	for _, c := range top {
		k := "resources: [cm.yaml]\n" + c.kust
		if c.name == "resources" {
			k = "resources: [cm.yaml, URL]\n"
		}
		cases = append(cases, tc{name: "top-level " + c.name, files: with(map[string]string{"kustomization.yaml": k}), file: "kustomization.yaml", field: c.field})
		// The same in a base the overlay reaches.
		cases = append(cases, tc{name: "top-level " + c.name + " in a base",
			files: with(map[string]string{"overlay/kustomization.yaml": "resources: [../base]\n", "base/kustomization.yaml": strings.ReplaceAll(k, "cm.yaml", "../cm.yaml")}),
			file:  "base/kustomization.yaml", field: c.field})
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := hits.Load()
			dir := writeTree(t, c.files)
			objs, err := Load(context.Background(), dir)
			if n := hits.Load() - before; n != 0 {
				t.Fatalf("the build sent %d requests to the loopback server", n)
			}
			for _, o := range objs {
				if o.Obj.GetName() == "leaked" || strings.Contains(o.Obj.GetName(), "leak") && len(o.Obj.Object["data"].(map[string]interface{})) > 0 {
					t.Fatalf("an object holds fetched data: %v", o.Obj.Object)
				}
			}
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if strings.Contains(msg, "node-role-secret") {
				t.Fatalf("the error holds the answer: %s", msg)
			}
			if c.field == "helm" {
				if !strings.Contains(msg, c.file) || !strings.Contains(strings.ToLower(msg), "helm") {
					t.Fatalf("error %q does not name %s and Helm", msg, c.file)
				}
				return
			}
			if !strings.Contains(msg, c.file+":") || !strings.Contains(msg, c.field) {
				t.Fatalf("error %q does not name %s:LINE and the field %s", msg, c.file, c.field)
			}
		})
	}
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
