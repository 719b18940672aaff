package apply

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/inventory"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/object"
)

func TestChangedSincePlan(t *testing.T) {
	planned := &unstructured.Unstructured{}
	planned.SetUID("uid-1")
	planned.SetLabels(map[string]string{inventory.LabelPartOf: "set"})
	with := func(change func(u *unstructured.Unstructured)) *unstructured.Unstructured {
		u := planned.DeepCopy()
		change(u)
		return u
	}
	tests := []struct {
		name string
		cur  *unstructured.Unstructured
		want string // a part of the reason; "" when the delete goes ahead
	}{
		{"unchanged", planned.DeepCopy(), ""},
		{"other fields changed", with(func(u *unstructured.Unstructured) { u.SetAnnotations(map[string]string{"a": "b"}) }), ""},
		{"re-created", with(func(u *unstructured.Unstructured) { u.SetUID("uid-2") }), "re-created since the plan"},
		{"sync_only", with(func(u *unstructured.Unstructured) {
			u.SetAnnotations(map[string]string{object.AnnotationIgnore: object.IgnoreSyncOnly})
		}), "marked ignore or sync_only"},
		{"flux ignore", with(func(u *unstructured.Unstructured) {
			u.SetAnnotations(map[string]string{object.AnnotationFluxIgnore: object.IgnoreTrue})
		}), "marked ignore or sync_only"},
		{"label removed", with(func(u *unstructured.Unstructured) { u.SetLabels(nil) }), "no longer carries the set's label"},
		{"other set", with(func(u *unstructured.Unstructured) { u.SetLabels(map[string]string{inventory.LabelPartOf: "other"}) }), "no longer carries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := changedSincePlan(planned, tt.cur, "set")
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Fatalf("changedSincePlan = %q, want %q", got, tt.want)
			}
		})
	}
}
