package e2e

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestProbeFieldValidation(t *testing.T) {
	body := []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"probe","namespace":"default"},"dta":{"a":"b"}}`)
	for _, fv := range []string{"", "Ignore", "Warn", "Strict"} {
		_, err := dyn(t).Resource(gvrConfigMap).Namespace("default").Patch(context.Background(), "probe", types.ApplyPatchType, body,
			metav1.PatchOptions{FieldManager: "probe", DryRun: []string{metav1.DryRunAll}, FieldValidation: fv})
		t.Logf("fieldValidation=%q: %v", fv, err)
	}
}
