package plan

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// request is what a server received.
type request struct {
	method, path, query, contentType, body string
}

// TestServerSideApplyJSON: with or without Cluster.REST, the object's JSON is sent as it
// is, in the request the dynamic client sends for a server-side apply, and a refusal
// is the API error the dynamic client returns.
func TestServerSideApplyJSON(t *testing.T) {
	var (
		mu       sync.Mutex
		got      []request
		refusing bool
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, request{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), string(b)})
		refuse := refusing
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if refuse {
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = io.WriteString(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Invalid","code":422,`+
				`"message":"Secret \"creds\" is invalid: .stringData.pin: expected string"}`)
			return
		}
		_, _ = w.Write(b) // the applied object, as the server answers
	}))
	defer srv.Close()

	cfg := &rest.Config{Host: srv.URL}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := NewREST(cfg, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	secrets := &meta.RESTMapping{Resource: schema.GroupVersionResource{Version: "v1", Resource: "secrets"},
		GroupVersionKind: schema.GroupVersionKind{Version: "v1", Kind: "Secret"}, Scope: meta.RESTScopeNamespace}
	roles := &meta.RESTMapping{Resource: schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles"},
		GroupVersionKind: schema.GroupVersionKind{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRole"}, Scope: meta.RESTScopeRoot}
	secret := `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"creds","namespace":"shop"},"stringData":{"pin":1234}}`
	role := `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"reader"},"rules":[]}`

	cases := []struct {
		name            string
		m               *meta.RESTMapping
		namespace, obj  string
		force, dryRun   bool
		wantPath, query string
	}{
		{"namespaced", secrets, "shop", secret, false, false, "/api/v1/namespaces/shop/secrets/creds", "fieldManager=fm&force=false"},
		{"dry-run, forced", secrets, "shop", secret, true, true, "/api/v1/namespaces/shop/secrets/creds", "dryRun=All&fieldManager=fm&force=true"},
		{"cluster-scoped, in a group", roles, "", role, false, false, "/apis/rbac.authorization.k8s.io/v1/clusterroles/reader", "fieldManager=fm&force=false"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := map[string]string{secret: "creds", role: "reader"}[tc.obj]
			want := request{http.MethodPatch, tc.wantPath, tc.query, "application/apply-patch+yaml", tc.obj}
			for _, with := range []struct {
				what string
				cl   Cluster
			}{{"dynamic client", Cluster{Client: dyn}}, {"REST client", Cluster{Client: dyn, REST: rc}}} {
				mu.Lock()
				got, refusing = nil, false
				mu.Unlock()
				if err := ServerSideApplyJSON(context.Background(), with.cl, tc.m, tc.namespace, name, []byte(tc.obj), "fm", tc.force, tc.dryRun); err != nil {
					t.Fatalf("%s: %v", with.what, err)
				}
				mu.Lock()
				if len(got) != 1 || got[0] != want {
					t.Errorf("%s sent %+v, want %+v", with.what, got, want)
				}
				got, refusing = nil, true
				mu.Unlock()
				err := ServerSideApplyJSON(context.Background(), with.cl, tc.m, tc.namespace, name, []byte(tc.obj), "fm", tc.force, tc.dryRun)
				if !apierrors.IsInvalid(err) {
					t.Errorf("%s: refused: got %v, want the server's Invalid error", with.what, err)
				}
			}
		})
	}
}
