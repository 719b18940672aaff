package e2e

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestProbeSecretErrors(t *testing.T) {
	for _, body := range []string{
		`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"probe","namespace":"default"},"stringData":{"pin":987654321}}`,
		`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"probe","namespace":"default"},"data":{"pw":"not base64 sekrit!"}}`,
		`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"probe","namespace":"default"},"data":{"pw":12345}}`,
		`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"probe","namespace":"default"},"data":{"pw":["sekritlist"]}}`,
		`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"probe","namespace":"default"},"stringData":{"pw":{"a":"sekritmap"}}}`,
		`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"probe","namespace":"default"},"type":"kubernetes.io/tls","stringData":{"tls.crt":"sekritcrt"}}`,
		`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"probe","namespace":"default"},"type":"kubernetes.io/dockerconfigjson","stringData":{".dockerconfigjson":"{sekrit-json"}}`,
	} {
		_, err := dyn(t).Resource(gvrSecret).Namespace("default").Patch(context.Background(), "probe", types.ApplyPatchType, []byte(body),
			metav1.PatchOptions{FieldManager: "probe", DryRun: []string{metav1.DryRunAll}})
		t.Logf("%s\n   => %v", body, err)
	}
}
