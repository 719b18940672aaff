package e2e

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/cmd"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/cmd/cmdutil"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/inventory"
)

// Resources the tests read and write with the dynamic client.
var (
	gvrConfigMap      = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	gvrSecret         = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
	gvrNamespace      = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	gvrDeployment     = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	gvrLease          = schema.GroupVersionResource{Group: "coordination.k8s.io", Version: "v1", Resource: "leases"}
	gvrServiceAccount = schema.GroupVersionResource{Version: "v1", Resource: "serviceaccounts"}
	gvrCRD            = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
)

// parentOf is the ApplySet parent that `--applyset name` names with the test kubeconfig
// (whose namespace is "default").
func parentOf(name string) inventory.Parent {
	return inventory.Parent{Kind: "Secret", Namespace: "default", Name: name}
}

// gitopsKubeconfig runs `kubectl gitops ARGS` with kubeconfig instead of the test
// cluster's (for unreachable and unauthorized clusters).
func gitopsKubeconfig(t *testing.T, kubeconfig string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	root := cmd.NewRoot(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb})
	root.SetArgs(append([]string{"--kubeconfig", kubeconfig}, args...))
	err := root.ExecuteContext(context.Background())
	if err != nil {
		errb.WriteString("error: " + err.Error() + "\n")
	}
	return result{out: out.String(), err: errb.String(), code: cmdutil.CodeOf(err)}
}

// mustGitops runs the command and fails the test unless it exits with want.
func mustGitops(t *testing.T, want int, args ...string) result {
	t.Helper()
	res := gitops(t, args...)
	if res.code != want {
		t.Fatalf("kubectl gitops %s: want exit %d\n%s", strings.Join(args, " "), want, res)
	}
	return res
}

// writeKubeconfig writes a kubeconfig for server and token to a temp file.
func writeKubeconfig(t *testing.T, server, token string) string {
	t.Helper()
	return writeKubeconfigContext(t, server, token, "c")
}

// writeKubeconfigContext writes a kubeconfig for server and token, whose one context
// (the current one) is named context, to a temp file.
func writeKubeconfigContext(t *testing.T, server, token, context string) string {
	t.Helper()
	return writeKubeconfigAs(t, server, token, context, "")
}

// writeKubeconfigAs is writeKubeconfigContext whose user impersonates as (with groups),
// unless as is "".
func writeKubeconfigAs(t *testing.T, server, token, context, as string, groups ...string) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["c"] = &clientcmdapi.Cluster{Server: server, InsecureSkipTLSVerify: true}
	kc.AuthInfos["u"] = &clientcmdapi.AuthInfo{Token: token, Impersonate: as, ImpersonateGroups: groups}
	kc.Contexts[context] = &clientcmdapi.Context{Cluster: "c", AuthInfo: "u", Namespace: "default"}
	kc.CurrentContext = context
	p := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// closedLoopbackURL returns an https URL of a loopback port nothing listens on.
func closedLoopbackURL(t *testing.T) string {
	t.Helper()
	return "https://" + freeLoopbackAddr(t)
}

// createNamespace creates a namespace directly (not through the tool).
func createNamespace(t *testing.T, name string) {
	t.Helper()
	_, err := kube(t).CoreV1().Namespaces().Create(context.Background(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
}

// exists reports whether the object is in the cluster.
func exists(t *testing.T, gvr schema.GroupVersionResource, ns, name string) bool {
	t.Helper()
	var err error
	if ns == "" {
		_, err = dyn(t).Resource(gvr).Get(context.Background(), name, metav1.GetOptions{})
	} else {
		_, err = dyn(t).Resource(gvr).Namespace(ns).Get(context.Background(), name, metav1.GetOptions{})
	}
	switch {
	case err == nil:
		return true
	case apierrors.IsNotFound(err):
		return false
	}
	t.Fatalf("get %s %s/%s: %v", gvr.Resource, ns, name, err)
	return false
}

func requireExists(t *testing.T, gvr schema.GroupVersionResource, ns, name string) {
	t.Helper()
	if !exists(t, gvr, ns, name) {
		t.Errorf("%s %s/%s does not exist, want it kept", gvr.Resource, ns, name)
	}
}

func requireAbsent(t *testing.T, gvr schema.GroupVersionResource, ns, name string) {
	t.Helper()
	if exists(t, gvr, ns, name) {
		t.Errorf("%s %s/%s exists, want it absent", gvr.Resource, ns, name)
	}
}

// requireNothingWritten asserts that the set's parent Secret and lock Lease do not
// exist: the tool wrote nothing of its own bookkeeping.
func requireNothingWritten(t *testing.T, applyset string) {
	t.Helper()
	p := parentOf(applyset)
	requireAbsent(t, gvrSecret, p.Namespace, p.Name)
	requireAbsent(t, gvrLease, p.Namespace, p.LeaseName())
}

// eventually polls cond every 200ms until it reports true, failing the test after
// timeout (a bound for a broken cluster, not a performance threshold).
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for {
		ok, err := cond()
		if ok {
			return
		}
		last = err
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true after %s (last error: %v)", what, timeout, last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// requireContainsAll fails for every want missing from s. Runs of spaces count as one
// (the text report pads its action column to the widest action shown).
func requireContainsAll(t *testing.T, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) && !strings.Contains(collapseSpaces(s), collapseSpaces(w)) {
			t.Errorf("output lacks %q\n%s", w, s)
		}
	}
}

func collapseSpaces(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.Join(lines, "\n")
}

// configMapWith renders a ConfigMap with one data key and optional annotations.
func configMapWith(name, ns, key, value string, annotations map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: %s\n", name, ns)
	if len(annotations) > 0 {
		b.WriteString("  annotations:\n")
		for k, v := range annotations {
			fmt.Fprintf(&b, "    %s: %q\n", k, v)
		}
	}
	fmt.Fprintf(&b, "data:\n  %s: %q\n", key, value)
	return b.String()
}

// namespaceYAML renders a Namespace.
func namespaceYAML(name string) string {
	return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + name + "\n"
}

// deploymentYAML renders a Deployment; replicas < 0 leaves spec.replicas out.
func deploymentYAML(name, ns string, replicas int, image string) string {
	r := ""
	if replicas >= 0 {
		r = fmt.Sprintf("  replicas: %d\n", replicas)
	}
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  namespace: %[2]s
spec:
%[3]s  selector:
    matchLabels:
      app: %[1]s
  template:
    metadata:
      labels:
        app: %[1]s
    spec:
      containers:
      - name: app
        image: %[4]s
`, name, ns, r, image)
}

var (
	uniqueMu   sync.Mutex
	uniqueSeen = map[string]int{}
)

// unique returns base the first time and base-2, base-3, ... after, so that a test run
// again by the same test binary (-count=N) gets fresh namespaces, sets and CRD groups.
func unique(base string) string {
	uniqueMu.Lock()
	defer uniqueMu.Unlock()
	uniqueSeen[base]++
	if n := uniqueSeen[base]; n > 1 {
		return fmt.Sprintf("%s-%d", base, n)
	}
	return base
}
