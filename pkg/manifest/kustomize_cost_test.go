package manifest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/kyaml/openapi"
)

// layeredTree is the render-cost attack: each layer includes the one below twice under
// two name prefixes, so n layers of three small files render 2^n objects, and Kustomize
// builds the bottom layer 2^n times.
func layeredTree(n int) map[string]string {
	files := map[string]string{
		"l0/kustomization.yaml": "resources: [cm.yaml]\n",
		"l0/cm.yaml":            cm("x"),
	}
	for i := 1; i <= n; i++ {
		for _, side := range []string{"a", "b"} {
			files[fmt.Sprintf("l%d/%s/kustomization.yaml", i, side)] = fmt.Sprintf("namePrefix: %s-\nresources: [../../l%d]\n", side, i-1)
		}
		files[fmt.Sprintf("l%d/kustomization.yaml", i)] = "resources: [a, b]\n"
	}
	return files
}

// TestKustomizeBuildStopsAtDeadline: a build that would run for half a minute stops when
// its context ends, and does not hold up another repository's build meanwhile.
func TestKustomizeBuildStopsAtDeadline(t *testing.T) {
	slow := writeTree(t, layeredTree(12))
	fast := writeTree(t, map[string]string{"kustomization.yaml": "resources: [cm.yaml]\n", "cm.yaml": cm("other")})

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	type result struct {
		name string
		objs []Object
		err  error
	}
	done := make(chan result, 2)
	go func() {
		objs, err := Load(ctx, slow, WithPaths("l12"))
		done <- result{"slow", objs, err}
	}()
	time.Sleep(100 * time.Millisecond) // let the slow build start first
	go func() {
		objs, err := Load(context.Background(), fast)
		done <- result{"fast", objs, err}
	}()

	// A hang detector, not a measure: the other build takes milliseconds, and the slow
	// one half a minute or more when its deadline is ignored.
	const hang = time.Minute
	next := func(what string) result {
		t.Helper()
		select {
		case r := <-done:
			return r
		case <-time.After(hang):
			t.Fatalf("%s: nothing returned in %v", what, hang)
			return result{}
		}
	}
	first := next("the other repository's build, while the slow one runs")
	if first.name != "fast" {
		t.Fatalf("the slow build ended first (%v): it held the other one up", first.err)
	}
	if first.err != nil || len(first.objs) != 1 {
		t.Fatalf("the other repository's build: %d objects, %v", len(first.objs), first.err)
	}
	second := next("the slow build, after its deadline")
	if second.err == nil {
		t.Fatalf("the slow build finished with %d objects before its deadline; make the tree deeper", len(second.objs))
	}
	if !errors.Is(second.err, context.DeadlineExceeded) && !strings.Contains(second.err.Error(), "deadline exceeded") {
		t.Fatalf("the slow build's error %q does not say it hit its deadline", second.err)
	}
}

// TestRenderLimits: a render over the object or byte limit is refused as a whole, with
// an error naming where the limit was crossed and the limit.
func TestRenderLimits(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"a.yaml":               cm("a") + "---\n" + cm("b"),
		"k/kustomization.yaml": "resources: [../../l0]\n",
	})
	tree := writeTree(t, layeredTree(4)) // 16 objects
	for _, tc := range []struct {
		name    string
		dir     string
		opts    []Option
		want    string
		nolimit bool
	}{
		{name: "objects of files", dir: dir, opts: []Option{WithPaths("a.yaml"), WithLimits(Limits{MaxObjects: 1})}, want: "a.yaml: the render exceeds a limit of one target: more than 1 objects"},
		{name: "objects of a build", dir: tree, opts: []Option{WithPaths("l4"), WithLimits(Limits{MaxObjects: 10})}, want: "l4/kustomization.yaml: kustomize build: the render exceeds a limit of one target: more than 10 objects"},
		{name: "bytes of a build", dir: tree, opts: []Option{WithPaths("l4"), WithLimits(Limits{MaxObjectsBytes: 500})}, want: "more than 500 B of objects"},
		{name: "bytes read", dir: tree, opts: []Option{WithPaths("l4"), WithLimits(Limits{MaxReadBytes: 200})}, want: "exceed what one render may read (200 B)"},
		{name: "within the limits", dir: tree, opts: []Option{WithPaths("l4"), WithLimits(Limits{MaxObjects: 16})}, nolimit: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := Load(context.Background(), tc.dir, tc.opts...)
			if tc.nolimit {
				if err != nil || len(objs) != 16 {
					t.Fatalf("%d objects, %v", len(objs), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if len(objs) != 0 {
				t.Fatalf("%d objects returned with the error: a render over a limit is refused whole", len(objs))
			}
		})
	}
}

// TestKustomizeInvalidOpenAPIIsAnError: Kustomize panics on an invalid openapi: schema;
// that is an error of the kustomization, not a crash of the process, and the next
// build uses the default schema again.
func TestKustomizeInvalidOpenAPIIsAnError(t *testing.T) {
	bad := writeTree(t, map[string]string{
		"kustomization.yaml": "resources: [cm.yaml]\nopenapi:\n  path: schema.json\npatches:\n- patch: |-\n    apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: x}\n    data: {a: b}\n",
		"schema.json":        `{"definitions": 7}`,
		"cm.yaml":            cm("x"),
	})
	_, err := Load(context.Background(), bad)
	if err == nil || !strings.Contains(err.Error(), "kustomization.yaml") {
		t.Fatalf("error %v, want one naming kustomization.yaml", err)
	}
	good := writeTree(t, map[string]string{"kustomization.yaml": "resources: [cm.yaml]\n", "cm.yaml": cm("y")})
	if objs, err := Load(context.Background(), good); err != nil || len(objs) != 1 {
		t.Fatalf("the next build: %d objects, %v", len(objs), err)
	}
}

// TestKustomizeOpenAPIHiddenFromTheCheck: a kustomization may set openapi: where the
// check before the build does not look (a YAML merge key, a key in upper case, a base
// reached through a symbolic link). Kustomize would keep that schema for every build
// of the process; the build is refused instead, and later builds use the default.
func TestKustomizeOpenAPIHiddenFromTheCheck(t *testing.T) {
	schema := `{"definitions": {}}`
	for name, files := range map[string]map[string]string{
		"merge key":  {"kustomization.yaml": "<<: {openapi: {path: schema.json}}\nresources: [cm.yaml]\n", "schema.json": schema, "cm.yaml": cm("x")},
		"upper case": {"kustomization.yaml": "OpenAPI: {path: schema.json}\nresources: [cm.yaml]\n", "schema.json": schema, "cm.yaml": cm("x")},
		"through a link": {
			"kustomization.yaml":           "resources: [sub]\n",
			"sub":                          symlinkPrefix + "deep/x",
			"deep/x/kustomization.yaml":    "resources: [../evil]\n",
			"deep/evil/kustomization.yaml": "openapi: {path: schema.json}\nresources: [cm.yaml]\n",
			"deep/evil/schema.json":        schema,
			"deep/evil/cm.yaml":            cm("x"),
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Load(context.Background(), writeTree(t, files))
			if err == nil || !strings.Contains(err.Error(), "openapi: is set in a way the check before the build did not see") {
				t.Fatalf("error %v, want the build refused", err)
			}
			if v := openapi.GetSchemaVersion(); strings.Contains(strings.ToLower(v), "custom") {
				t.Fatalf("schema after the build: %q", v)
			}
		})
	}
}
