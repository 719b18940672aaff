package testcluster

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// Main starts one control plane for a test binary, stores it in *c, runs the tests and
// stops it. Use it from TestMain: os.Exit(testcluster.Main(m, &cluster, opts)).
// A control plane that cannot start fails the package (it is never skipped).
func Main(m *testing.M, c **Cluster, o Options) int {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cl, err := Start(ctx, o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testcluster: %v\n", err)
		return 1
	}
	*c = cl
	code := m.Run()
	if err := cl.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "testcluster: stop: %v\n", err)
	}
	return code
}
