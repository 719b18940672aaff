package plan

import (
	"encoding/json"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
)

// obj parses one YAML document into an unstructured object.
func obj(t *testing.T, doc string) *unstructured.Unstructured {
	t.Helper()
	m := map[string]interface{}{}
	if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatalf("parse test object: %v\n%s", err, doc)
	}
	return &unstructured.Unstructured{Object: m}
}

// mustJSON is u's JSON, as a planned change carries it (DesiredJSON).
func mustJSON(t *testing.T, u *unstructured.Unstructured) []byte {
	t.Helper()
	b, err := json.Marshal(u.Object)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustDiff is UnifiedDiff that fails the test on error.
func mustDiff(t *testing.T, before, after *unstructured.Unstructured) string {
	t.Helper()
	var id object.ID
	if after != nil {
		id = object.IDOf(after)
	} else {
		id = object.IDOf(before)
	}
	d, err := UnifiedDiff(id, before, after)
	if err != nil {
		t.Fatalf("UnifiedDiff: %v", err)
	}
	return d
}

func deployment(t *testing.T, image string, replicas int) *unstructured.Unstructured {
	t.Helper()
	u := obj(t, `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels:
    app: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: IMAGE
        ports:
        - containerPort: 8080
`)
	if err := unstructured.SetNestedField(u.Object, int64(replicas), "spec", "replicas"); err != nil {
		t.Fatal(err)
	}
	containers, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
	containers[0].(map[string]interface{})["image"] = image
	if err := unstructured.SetNestedSlice(u.Object, containers, "spec", "template", "spec", "containers"); err != nil {
		t.Fatal(err)
	}
	return u
}

// withNoise adds what the API server adds to a live object.
func withNoise(t *testing.T, u *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	u = u.DeepCopy()
	meta := u.Object["metadata"].(map[string]interface{})
	meta["managedFields"] = []interface{}{map[string]interface{}{"manager": "kubectl-gitops", "operation": "Apply"}}
	meta["resourceVersion"] = "12345"
	meta["uid"] = "0b7a9a3e-6f0c-4a51-9d3c-3f1f2b0d9c11"
	meta["generation"] = int64(7)
	meta["creationTimestamp"] = "2024-05-01T10:00:00Z"
	meta["selfLink"] = "/apis/apps/v1/namespaces/shop/deployments/web"
	ann, _ := meta["annotations"].(map[string]interface{})
	if ann == nil {
		ann = map[string]interface{}{}
	}
	ann["kubectl.kubernetes.io/last-applied-configuration"] = `{"apiVersion":"apps/v1"}`
	ann["deployment.kubernetes.io/revision"] = "3"
	meta["annotations"] = ann
	u.Object["status"] = map[string]interface{}{"replicas": int64(2), "readyReplicas": int64(2)}
	return u
}

// samplePlan has one change of every kind, with real diffs.
func samplePlan(t *testing.T) *Plan {
	t.Helper()
	cfgLive := obj(t, `{apiVersion: v1, kind: ConfigMap, metadata: {name: cfg, namespace: shop, resourceVersion: "7"}, data: {color: blue, size: L}}`)
	cfgGit := obj(t, `{apiVersion: v1, kind: ConfigMap, metadata: {name: cfg, namespace: shop}, data: {color: green, size: L}}`)
	redis := obj(t, `{apiVersion: v1, kind: Service, metadata: {name: redis, namespace: shop}, spec: {ports: [{port: 6379}]}}`)
	ns := &object.ID{Kind: "Namespace", Name: "shop"}
	return &Plan{
		SchemaVersion: SchemaVersion,
		ApplySet:      "Secret.v1 kube-system/gitops",
		ApplySetID:    "applyset-abc123-v1",
		Revision:      "4f2c1e9",
		Source:        "https://github.com/acme/shop.git",
		Created:       time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
		Changes: []Change{{
			ID: object.IDOf(redis), APIVersion: "v1", Action: Create,
			Source: manifest.Source{File: "apps/redis.yaml", Line: 3},
			Diff:   mustDiff(t, nil, redis), DesiredJSON: mustJSON(t, redis),
		}, {
			ID: object.IDOf(cfgGit), APIVersion: "v1", Action: Update,
			Source: manifest.Source{File: "apps/cfg.yaml", Line: 1},
			Diff:   mustDiff(t, cfgLive, cfgGit), DesiredJSON: mustJSON(t, cfgGit), Live: cfgLive, Merged: cfgGit,
		}, {
			ID: object.ID{Group: "apps", Kind: "Deployment", Namespace: "shop", Name: "old"}, APIVersion: "apps/v1",
			Action: Delete,
		}, {
			ID: *ns, APIVersion: "v1", Action: Unchanged,
			Source: manifest.Source{File: "namespace.yaml", Line: 1},
		}, {
			ID: object.ID{Kind: "ConfigMap", Namespace: "shop", Name: "manual"}, APIVersion: "v1", Action: Skip,
			Source: manifest.Source{File: "apps/manual.yaml", Line: 1},
			Reason: "ignored by annotation kubectl-gitops.io/ignore",
		}, {
			ID: object.ID{Group: "example.com", Kind: "Widget", Namespace: "shop", Name: "w"}, APIVersion: "example.com/v1",
			Action: Create, Unverified: true,
			Source: manifest.Source{File: "crds/widget.yaml", Line: 12},
		}},
	}
}

// executedPlan is samplePlan after an apply in which the update failed.
func executedPlan(t *testing.T) *Plan {
	t.Helper()
	p := samplePlan(t)
	for i := range p.Changes {
		ch := &p.Changes[i]
		switch ch.Action {
		case Create:
			ch.Result = Applied
		case Update:
			ch.Result, ch.Error = Failed, "admission webhook \"check.acme.io\" denied the request:\ncolor green is not allowed"
		case Delete:
			ch.Result = Deleted
		}
	}
	return p
}
