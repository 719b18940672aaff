// Package e2e runs the kubectl-gitops commands in-process against a real etcd +
// kube-apiserver + kube-controller-manager on loopback, with real git repositories.
package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-gitops/kubectl-gitops/internal/testcluster"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/cmd"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/cmd/cmdutil"
)

var cluster *testcluster.Cluster

func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "kubectl-gitops" {
		// This test binary, linked as kubectl-gitops, is the plugin kubectl runs
		// (TestCompletionThroughKubectl).
		runPlugin()
	}
	os.Exit(testcluster.Main(m, &cluster, testcluster.Options{ControllerManager: true}))
}

// runPlugin runs the plugin as cmd/kubectl-gitops does, then exits.
func runPlugin() {
	err := cmd.NewRoot(genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}).Execute()
	os.Exit(cmdutil.CodeOf(err))
}

// result is what one command printed and its exit code.
type result struct {
	out, err string
	code     int
}

func (r result) String() string {
	return "exit " + strconv.Itoa(r.code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err
}

// gitops runs `kubectl gitops ARGS` against the test cluster.
func gitops(t *testing.T, args ...string) result {
	t.Helper()
	return gitopsCtx(context.Background(), t, args...)
}

func gitopsCtx(ctx context.Context, t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	root := cmd.NewRoot(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errb})
	root.SetArgs(append([]string{"--kubeconfig", cluster.Kubeconfig}, args...))
	err := root.ExecuteContext(ctx)
	if err != nil {
		errb.WriteString("error: " + err.Error() + "\n")
	}
	return result{out: out.String(), err: errb.String(), code: cmdutil.CodeOf(err)}
}

func dyn(t *testing.T) dynamic.Interface {
	t.Helper()
	c, err := dynamic.NewForConfig(cluster.Config)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func kube(t *testing.T) kubernetes.Interface {
	t.Helper()
	c, err := kubernetes.NewForConfig(cluster.Config)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
