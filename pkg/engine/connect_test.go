package engine_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/engine"
)

// kubeconfig writes a kubeconfig with one context, "test", for server, whose
// namespace is namespace ("": none).
func kubeconfig(t *testing.T, server, namespace string) string {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["c"] = &clientcmdapi.Cluster{Server: server}
	cfg.AuthInfos["u"] = &clientcmdapi.AuthInfo{Token: "t0ken"}
	cfg.Contexts["test"] = &clientcmdapi.Context{Cluster: "c", AuthInfo: "u", Namespace: namespace}
	cfg.CurrentContext = "test"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestConnectNamespaces: the namespaces a Target leaves empty are the kubeconfig's.
func TestConnectNamespaces(t *testing.T) {
	tests := []struct {
		name                          string
		kubeNS, applySetNS, defaultNS string
		wantApplySetNS, wantDefaultNS string
	}{
		{"the context's namespace", "team", "", "", "team", "team"},
		{"no namespace in the context: default", "", "", "", "default", "default"},
		{"the target's own are kept", "team", "infra", "shop", "infra", "shop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := engine.DefaultTarget()
			target.ApplySetNamespace, target.DefaultNamespace = tt.applySetNS, tt.defaultNS
			c, err := engine.Connect(engine.ContextFlags(kubeconfig(t, "http://127.0.0.1:1", tt.kubeNS), "test", t.TempDir()), &target)
			if err != nil {
				t.Fatal(err)
			}
			if target.ApplySetNamespace != tt.wantApplySetNS || target.DefaultNamespace != tt.wantDefaultNS {
				t.Errorf("namespaces: applyset %q, default %q; want %q, %q", target.ApplySetNamespace, target.DefaultNamespace, tt.wantApplySetNS, tt.wantDefaultNS)
			}
			if got := c.Store.Parent().Namespace; got != tt.wantApplySetNS {
				t.Errorf("the store's parent is in %q, want %q", got, tt.wantApplySetNS)
			}
		})
	}
}

// TestReachable: a cluster that does not answer, or refuses the credentials, is one
// clear error naming it.
func TestReachable(t *testing.T) {
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
	}))
	defer refusing.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()

	tests := []struct {
		name, server, want string
	}{
		{"nothing listens", closed, "cannot reach the cluster at " + closed},
		{"401", refusing.URL, "the cluster at " + refusing.URL + " refused the credentials (401 Unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := engine.DefaultTarget()
			c, err := engine.Connect(engine.ContextFlags(kubeconfig(t, tt.server, ""), "test", t.TempDir()), &target)
			if err != nil {
				t.Fatal(err)
			}
			err = c.Reachable(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Reachable() = %v, want an error saying %q", err, tt.want)
			}
		})
	}
}
