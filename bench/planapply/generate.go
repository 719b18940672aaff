package main

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// kindCycle is the mix of kinds inside each namespace: one "app" is eight objects.
var kindCycle = []string{"ConfigMap", "Secret", "Service", "Deployment", "ServiceAccount", "ConfigMap", "Role", "RoleBinding"}

// obj is one generated object and the file (relative to the set's root) it is written to.
type obj struct {
	u    *unstructured.Unstructured
	file string
	// index orders the non-namespace objects (-1 for Namespaces); it picks the changed ones.
	index int
}

// set is one tool's copy of the generated objects, in its own namespaces.
type set struct {
	prefix     string // namespace prefix, e.g. "bo" gives bo-00 .. bo-09
	namespaces []string
	objs       []obj
}

// generate returns n objects (namespaces included) over nns namespaces named
// prefix-00...; every tool gets the same objects under its own prefix.
func generate(prefix string, n, nns int) *set {
	s := &set{prefix: prefix}
	for i := 0; i < nns; i++ {
		ns := fmt.Sprintf("%s-%02d", prefix, i)
		s.namespaces = append(s.namespaces, ns)
		s.objs = append(s.objs, obj{u: namespace(ns), file: filepath.Join(ns, "namespace.yaml"), index: -1})
	}
	for k := 0; k < n-nns; k++ {
		ns := s.namespaces[k%nns]
		slot := k / nns // position inside the namespace
		app := slot / len(kindCycle)
		kind := kindCycle[slot%len(kindCycle)]
		name := fmt.Sprintf("app-%04d", app)
		if kind == "ConfigMap" && slot%len(kindCycle) == 5 {
			name += "-env"
		}
		s.objs = append(s.objs, obj{
			u:     build(kind, ns, name, app),
			file:  filepath.Join(ns, name[:8]+".yaml"), // one file per app, as repositories usually group them
			index: k,
		})
	}
	return s
}

// changed reports whether the object with this index is one of the ~frac changed ones;
// the choice is spread over namespaces and kinds.
func changed(index int, frac float64) bool {
	return index >= 0 && float64((index*7919)%1000) < frac*1000
}

// removed reports whether the object with this index is one of the ~frac objects
// removed from git for the prune step: spread like the changed ones, never one of them.
func removed(index int, frac float64) bool {
	return index >= 0 && float64((index*7919)%1000) >= 1000-frac*1000
}

// version is a state of the set in git: which objects are changed, which removed.
type version struct {
	change, drop float64
}

// at returns the object as version v has it, mutated when v changes it (a copy); ok is
// false when v removed it.
func (o obj) at(v version) (u *unstructured.Unstructured, mutated, ok bool) {
	if removed(o.index, v.drop) {
		return nil, false, false
	}
	if !changed(o.index, v.change) {
		return o.u, false, true
	}
	u = o.u.DeepCopy()
	mutate(u)
	return u, true, true
}

// mutate changes o the way a commit would: an image tag, a config value, a label.
func mutate(o *unstructured.Unstructured) {
	switch o.GetKind() {
	case "Deployment":
		cs, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
		c := cs[0].(map[string]any)
		c["image"] = "registry.example.com/shop/app:1.28.1"
		_ = unstructured.SetNestedSlice(o.Object, cs, "spec", "template", "spec", "containers")
	case "ConfigMap":
		_ = unstructured.SetNestedField(o.Object, "debug", "data", "LOG_LEVEL")
	case "Secret":
		_ = unstructured.SetNestedField(o.Object, base64.StdEncoding.EncodeToString([]byte("rotated-password-v2")), "data", "password")
	case "Role":
		rules, _, _ := unstructured.NestedSlice(o.Object, "rules")
		r := rules[0].(map[string]any)
		r["verbs"] = []any{"get", "list", "watch"}
		_ = unstructured.SetNestedSlice(o.Object, rules, "rules")
	default:
		l := o.GetLabels()
		l["tier"] = "gold"
		o.SetLabels(l)
	}
}

// write replaces root with the set, one file per app plus one per namespace, with
// the objects whose index is changed mutated and those removed left out.
func (s *set) write(root string, v version) (nchanged int, err error) {
	if err := os.RemoveAll(root); err != nil {
		return 0, err
	}
	files := map[string][]string{}
	var order []string
	for _, o := range s.objs {
		u, mutated, ok := o.at(v)
		if !ok {
			continue
		}
		if mutated {
			nchanged++
		}
		b, err := yaml.Marshal(u.Object)
		if err != nil {
			return 0, fmt.Errorf("marshal %s/%s: %w", u.GetKind(), u.GetName(), err)
		}
		if _, ok := files[o.file]; !ok {
			order = append(order, o.file)
		}
		files[o.file] = append(files[o.file], string(b))
	}
	for _, f := range order {
		p := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return 0, err
		}
		if err := os.WriteFile(p, []byte(strings.Join(files[f], "---\n")), 0o644); err != nil {
			return 0, fmt.Errorf("write %s: %w", p, err)
		}
	}
	return nchanged, nil
}

// files returns the number of files write creates.
func (s *set) files() int {
	seen := map[string]bool{}
	for _, o := range s.objs {
		seen[o.file] = true
	}
	return len(seen)
}

// current returns the objects as write(v) writes them.
func (s *set) current(v version) []*unstructured.Unstructured {
	out := make([]*unstructured.Unstructured, 0, len(s.objs))
	for _, o := range s.objs {
		if u, _, ok := o.at(v); ok {
			out = append(out, u)
		}
	}
	return out
}

func namespace(name string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Namespace",
		"metadata": map[string]any{"name": name, "labels": map[string]any{"team": "shop", "env": "bench"}},
	}}
}

func objectMeta(ns, name, app string) map[string]any {
	return map[string]any{
		"name": name, "namespace": ns,
		"labels": map[string]any{
			"app.kubernetes.io/name": app, "app.kubernetes.io/part-of": "shop", "team": "shop",
		},
		"annotations": map[string]any{"owner": "team-shop@example.com"},
	}
}

// build returns one object of kind; sizes are those of typical application manifests.
func build(kind, ns, name string, app int) *unstructured.Unstructured {
	appName := fmt.Sprintf("app-%04d", app)
	m := objectMeta(ns, name, appName)
	var o map[string]any
	switch kind {
	case "ConfigMap":
		o = map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": m, "data": map[string]any{
			"LOG_LEVEL":     "info",
			"HTTP_PORT":     "8080",
			"FEATURE_FLAGS": "search,checkout,recommendations",
			"DATABASE_HOST": fmt.Sprintf("db-%d.%s.svc.cluster.local", app%4, ns),
			"app.properties": fmt.Sprintf("server.port=8080\nserver.shutdown=graceful\n"+
				"spring.application.name=%s\nmanagement.endpoints.web.exposure.include=health,info,prometheus\n"+
				"cache.ttl=300\ncache.size=10000\n", appName),
		}}
	case "Secret":
		enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
		o = map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": m, "type": "Opaque", "data": map[string]any{
			"username": enc(appName),
			"password": enc(fmt.Sprintf("s3cr3t-%s-%s", ns, appName)),
			"api-key":  enc(strings.Repeat(fmt.Sprintf("%04x", app), 8)),
		}}
	case "Service":
		o = map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": m, "spec": map[string]any{
			"type":     "ClusterIP",
			"selector": map[string]any{"app.kubernetes.io/name": appName},
			"ports": []any{
				map[string]any{"name": "http", "port": int64(80), "targetPort": int64(8080), "protocol": "TCP"},
				map[string]any{"name": "metrics", "port": int64(9090), "targetPort": int64(9090), "protocol": "TCP"},
			},
		}}
	case "Deployment":
		sel := map[string]any{"app.kubernetes.io/name": appName}
		o = map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": m, "spec": map[string]any{
			"replicas": int64(2),
			"selector": map[string]any{"matchLabels": sel},
			"template": map[string]any{
				"metadata": map[string]any{"labels": map[string]any{"app.kubernetes.io/name": appName, "team": "shop"}},
				"spec": map[string]any{
					"serviceAccountName": appName,
					"containers": []any{map[string]any{
						"name":  "app",
						"image": "registry.example.com/shop/app:1.27.3",
						"ports": []any{
							map[string]any{"name": "http", "containerPort": int64(8080)},
							map[string]any{"name": "metrics", "containerPort": int64(9090)},
						},
						"envFrom": []any{map[string]any{"configMapRef": map[string]any{"name": appName}}},
						"env": []any{map[string]any{"name": "DB_PASSWORD", "valueFrom": map[string]any{
							"secretKeyRef": map[string]any{"name": appName, "key": "password"}}}},
						"resources": map[string]any{
							"requests": map[string]any{"cpu": "100m", "memory": "128Mi"},
							"limits":   map[string]any{"memory": "256Mi"},
						},
						"readinessProbe": map[string]any{"httpGet": map[string]any{"path": "/healthz", "port": "http"}, "periodSeconds": int64(10)},
						"livenessProbe":  map[string]any{"httpGet": map[string]any{"path": "/healthz", "port": "http"}, "initialDelaySeconds": int64(10)},
					}},
				},
			},
		}}
	case "ServiceAccount":
		o = map[string]any{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": m}
	case "Role":
		o = map[string]any{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": m, "rules": []any{
			map[string]any{"apiGroups": []any{""}, "resources": []any{"configmaps", "secrets"}, "verbs": []any{"get", "list"}},
			map[string]any{"apiGroups": []any{"coordination.k8s.io"}, "resources": []any{"leases"}, "verbs": []any{"get", "create", "update"}},
		}}
	case "RoleBinding":
		o = map[string]any{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": m,
			"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": appName},
			"subjects": []any{map[string]any{"kind": "ServiceAccount", "name": appName, "namespace": ns}},
		}
	default:
		panic("unknown kind " + kind)
	}
	return &unstructured.Unstructured{Object: o}
}
