package images

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images/imagestest"
)

// TestListUsesClusterPullSecrets: the service account's imagePullSecrets (read from a
// fake clientset) open a registry that refuses anonymous access.
func TestListUsesClusterPullSecrets(t *testing.T) {
	plain := newRegistry(t)
	push(t, plain.Host(), "private/app", "1.0.0", "1.0.1")
	srv := imagestest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "puller" || p != "pw" {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		plain.Config.Handler.ServeHTTP(w, r)
	}))
	defer srv.Close()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"app.yaml": fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: team
  annotations: {fluxcd.io/automated: "true"}
spec:
  template:
    spec:
      serviceAccountName: deployer
      containers:
      - name: app
        image: %s/private/app:1.0.0
`, srv.Host())})
	dockercfg, _ := json.Marshal(map[string]any{"auths": map[string]any{
		srv.Host(): map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte("puller:pw"))},
	}})
	client := fake.NewSimpleClientset(
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "deployer", Namespace: "team"},
			ImagePullSecrets: []corev1.LocalObjectReference{{Name: "regcred"}}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "regcred", Namespace: "team"},
			Type: corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{corev1.DockerConfigJsonKey: dockercfg}},
	)

	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	o := NewListOptions(nil, streams)
	o.Output = "json"
	o.Source.Source = dir
	o.Registry.CacheTTL = 0
	o.Registry.ClusterCredentials = images.ClusterCredentialsTrue
	o.Registry.NewKubeClient = func() (kubernetes.Interface, error) { return client, nil }
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := o.Run(context.Background()); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	var rep images.ListReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Images) != 1 || rep.Images[0].Status != images.StatusUpdate || rep.Images[0].Latest != "1.0.1" {
		t.Fatalf("images %+v", rep.Images)
	}
	if strings.Contains(out.String()+errOut.String(), "pw") {
		t.Fatal("a secret value was printed")
	}

	// With --cluster-credentials=true and no cluster, the command fails clearly.
	o2 := NewListOptions(nil, streams)
	o2.Source.Source = dir
	o2.Registry.CacheTTL = 0
	o2.Registry.ClusterCredentials = images.ClusterCredentialsTrue
	if err := o2.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "registry credentials from the cluster") {
		t.Fatalf("err = %v", err)
	}
}

// TestListUsesPlatformCredentials: --registry-platform-credentials puts the cloud
// identity last in the keychain: a registry named like Artifact Registry (served
// locally) accepts the token a fake GCE metadata server issues; "none", or another
// cloud only, leaves it anonymous and refused.
func TestListUsesPlatformCredentials(t *testing.T) {
	imagestest.IsolateCloudEnv(t)
	const host, token = "europe-docker.pkg.dev", "ya29.metadata-token"
	meta := imagestest.NewServer(imagestest.GCEMetadata(token))
	defer meta.Close()
	t.Setenv("GCE_METADATA_HOST", meta.Host())
	plain := newRegistry(t)
	push(t, plain.Host(), "proj/repo/app", "1.0.0", "1.0.1")
	srv := imagestest.NewServer(imagestest.RequireBasic(plain.Config.Handler, "_token", token))
	defer srv.Close()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		".gitops.yaml":       "images:\n  policies:\n    - {name: app, image: " + host + "/proj/repo/app, semver: '1.x'}\n",
		"kustomization.yaml": "images:\n- name: app\n  newName: " + host + "/proj/repo/app\n  newTag: 1.0.0\n",
	})
	for _, tc := range []struct {
		flag string
		want images.Status
	}{
		{"auto", images.StatusUpdate},
		{"google", images.StatusUpdate},
		{"azure,aws", images.StatusError},
		{"none", images.StatusError},
	} {
		t.Run(tc.flag, func(t *testing.T) {
			streams, _, out, errOut := genericiooptions.NewTestIOStreams()
			o := NewListOptions(nil, streams)
			o.Output = "json"
			o.Source.Source = dir
			o.Registry.CacheTTL = 0
			o.Registry.ClusterCredentials = images.ClusterCredentialsFalse
			o.Registry.DockerConfig = writeDockerConfig(t)
			o.Registry.InsecureHosts = []string{host}
			o.Registry.HTTPTransport = imagestest.RouteTransport(srv.Listener.Addr().String(), host)
			o.Registry.PlatformCredentials = tc.flag
			if err := o.Validate(); err != nil {
				t.Fatal(err)
			}
			if err := o.Run(context.Background()); err != nil {
				t.Fatalf("%v\n%s", err, errOut)
			}
			var rep images.ListReport
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatal(err)
			}
			if len(rep.Images) != 1 || rep.Images[0].Status != tc.want {
				t.Fatalf("images %+v\n%s", rep.Images, errOut)
			}
			if strings.Contains(out.String()+errOut.String(), token) {
				t.Fatal("the token was printed")
			}
		})
	}
	o := NewListOptions(nil, genericiooptions.NewTestIOStreamsDiscard())
	o.Registry.PlatformCredentials = "gcp"
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "--registry-platform-credentials") {
		t.Fatalf("Validate: %v", err)
	}
}

// writeDockerConfig writes an empty docker config, so the machine's own is not read.
func writeDockerConfig(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(p, []byte(`{"auths": {}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
