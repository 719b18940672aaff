package images

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// TestClusterKeychain reads a workload's imagePullSecrets from a (fake) cluster and uses
// them against a registry that demands those credentials.
func TestClusterKeychain(t *testing.T) {
	plain := newTestRegistry(t)
	pushTags(t, plain.Host(), "private", testImage(t, time.Unix(0, 0)), "1.0", "1.1")
	srv := newCountingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "puller" || p != "pw" {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		plain.Config.Handler.ServeHTTP(w, r)
	}))
	dockercfg, _ := json.Marshal(map[string]any{"auths": map[string]any{
		srv.Host(): map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte("puller:pw"))},
	}})
	client := fake.NewSimpleClientset(
		&corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "regcred", Namespace: "shop"},
			Type:       corev1.SecretTypeDockerConfigJson,
			Data:       map[string][]byte{corev1.DockerConfigJsonKey: dockercfg},
		},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "shop"}},
	)
	src := fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    fluxcd.io/automated: "true"
spec:
  template:
    spec:
      imagePullSecrets:
      - name: regcred
      - name: missing
      containers:
      - name: app
        image: %s/private:1.0
`, srv.Host())
	imgs, errs := Scan([]File{{Path: "web.yaml", Data: []byte(src)}}, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	refs := PullSecretRefs(imgs)
	if len(refs) != 1 || refs[0].Namespace != "shop" || strings.Join(refs[0].Secrets, ",") != "regcred,missing" {
		t.Fatalf("refs %+v", refs)
	}
	kc, err := ClusterKeychain(context.Background(), client, refs)
	if err != nil {
		t.Fatal(err)
	}
	res := (&Checker{Lister: quietRegistry(WithKeychain(kc))}).Check(context.Background(), imgs)
	if res[0].Status != StatusUpdate || res[0].Latest != "1.1" {
		t.Fatalf("result %+v", res[0])
	}
	// Without the cluster's secret the same registry refuses.
	res = (&Checker{Lister: quietRegistry()}).Check(context.Background(), imgs)
	if res[0].Status != StatusError {
		t.Fatalf("anonymous result %+v", res[0])
	}
}
