// Command testcluster runs a local control plane (etcd + kube-apiserver, optionally
// kube-controller-manager) until interrupted, for the demo and the benchmarks.
//
//	go build -o bin/testcluster ./hack/testcluster
//	bin/testcluster -dir .demo/cluster [-controller-manager]
//
// It writes DIR/kubeconfig once the apiserver is ready and prints "control plane ready".
// SIGINT or SIGTERM stops the components and then the command; so does the exit of its
// parent process (a script killed even by SIGKILL). If the command itself is killed by
// SIGKILL, the kernel kills the components (see internal/testcluster).
//
// Run the built binary rather than `go run`: go run's wrapper dies on SIGTERM and leaves
// this command, and the control plane, running.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/kubectl-gitops/kubectl-gitops/internal/lifetime"
	"github.com/kubectl-gitops/kubectl-gitops/internal/testcluster"
)

func main() {
	dir := flag.String("dir", "", "state directory (kubeconfig, data, logs); required")
	cm := flag.Bool("controller-manager", false, "also run kube-controller-manager")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "testcluster: -dir is required")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := lifetime.SignalOnParentExit(syscall.SIGTERM); err != nil {
		fmt.Fprintln(os.Stderr, "testcluster:", err)
		os.Exit(1)
	}
	_ = os.RemoveAll(*dir)
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		fmt.Fprintln(os.Stderr, "testcluster:", err)
		os.Exit(1)
	}
	c, err := testcluster.Start(ctx, testcluster.Options{Dir: *dir, ControllerManager: *cm})
	if err != nil {
		fmt.Fprintln(os.Stderr, "testcluster:", err)
		os.Exit(1)
	}
	fmt.Printf("control plane ready: KUBECONFIG=%s\n", c.Kubeconfig)
	<-ctx.Done()
	if err := c.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "testcluster: stop:", err)
	}
}
