package manifest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// FuzzKustomizeBuild: whatever a kustomization and a plugin config file hold, a build
// sends no request (a loopback server counts them), does not panic, and returns within
// its deadline. Seeds name the server's URL in the fields that take paths; the fuzzer
// finds the rest. "URL" in an input is replaced by the server's address.
func FuzzKustomizeBuild(f *testing.F) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leaked\n"))
	}))
	f.Cleanup(srv.Close)
	for _, s := range []struct{ kust, plugin string }{
		{"resources: [cm.yaml]\n", ""},
		{"resources: [cm.yaml, URL]\n", ""},
		{"resources: [cm.yaml]\ngenerators:\n- |-\n  apiVersion: builtin\n  kind: ConfigMapGenerator\n  metadata: {name: leak}\n  files: [k=URL]\n", ""},
		{"resources: [cm.yaml]\ntransformers: [plugin.yaml]\n", "apiVersion: builtin\nkind: PatchTransformer\nmetadata: {name: p}\npath: URL\ntarget: {kind: ConfigMap}\n"},
		{"resources: [cm.yaml]\ngenerators: [plugin.yaml]\n", "apiVersion: builtin\nkind: SecretGenerator\nmetadata: {name: s}\nenvs: [URL]\n"},
		{"resources: [cm.yaml]\npatches:\n- path: URL\n", ""},
		{"resources: [cm.yaml]\nopenapi:\n  path: plugin.yaml\n", "{\"definitions\": 7}"},
		{"resources: [cm.yaml]\nreplacements:\n- path: URL\nconfigurations: [URL]\ncrds: [URL]\n", ""},
		{"components: [github.com/acme/x]\n", ""},
		{"namePrefix: a-\nresources: [cm.yaml]\nconfigMapGenerator:\n- name: c\n  envs: [URL]\n", ""},
	} {
		f.Add(s.kust, s.plugin)
	}
	f.Fuzz(func(t *testing.T, kust, plugin string) {
		dir := t.TempDir()
		for name, body := range map[string]string{"kustomization.yaml": kust, "plugin.yaml": plugin, "cm.yaml": cm("base")} {
			body = strings.ReplaceAll(body, "URL", srv.URL+"/x")
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		before := hits.Load()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = Load(ctx, dir)
		if n := hits.Load() - before; n != 0 {
			t.Fatalf("the build sent %d requests", n)
		}
	})
}
