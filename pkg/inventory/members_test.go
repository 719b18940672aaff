package inventory

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestDropFieldSets(t *testing.T) {
	u := &unstructured.Unstructured{Object: map[string]interface{}{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]interface{}{"name": "a", "managedFields": []interface{}{
			map[string]interface{}{"manager": "kubectl-gitops", "operation": "Apply", "time": "2026-01-01T00:00:00Z",
				"fieldsType": "FieldsV1", "fieldsV1": map[string]interface{}{"f:data": map[string]interface{}{"f:a": map[string]interface{}{}}}},
			map[string]interface{}{"manager": "kube-controller-manager", "operation": "Update", "subresource": "status",
				"fieldsType": "FieldsV1", "fieldsV1": map[string]interface{}{"f:status": map[string]interface{}{}}},
		}},
		"data": map[string]interface{}{"a": "1"}}}
	dropFieldSets(u)
	mfs := u.GetManagedFields()
	if len(mfs) != 2 {
		t.Fatalf("%d managed fields entries, want 2", len(mfs))
	}
	for _, f := range mfs {
		if f.FieldsV1 != nil {
			t.Errorf("%s: field set kept", f.Manager)
		}
	}
	if mfs[0].Manager != "kubectl-gitops" || mfs[0].Operation != metav1.ManagedFieldsOperationApply || mfs[0].Time == nil ||
		mfs[1].Subresource != "status" {
		t.Errorf("who wrote what when was lost: %+v", mfs)
	}
	if v, _, _ := unstructured.NestedString(u.Object, "data", "a"); v != "1" {
		t.Error("the object's content changed")
	}
	dropFieldSets(&unstructured.Unstructured{Object: map[string]interface{}{}}) // no metadata: nothing to do
}
