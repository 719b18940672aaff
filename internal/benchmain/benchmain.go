package benchmain

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/internal/testcluster"
)

// Status prints a progress line on stderr, after the time of day.
func Status(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// Main calls run with a context that SIGINT and SIGTERM cancel. An error is printed on
// stderr after name, and the process exits with status 1.
func Main(name string, run func(ctx context.Context) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

// WorkDir makes a run's temporary work directory, its name starting with prefix. done
// removes it or, with keep, says on out where it is kept.
func WorkDir(prefix string, keep bool, out io.Writer) (dir string, done func(), err error) {
	dir, err = os.MkdirTemp("", prefix)
	if err != nil {
		return "", nil, err
	}
	if keep {
		return dir, func() { fmt.Fprintf(out, "\nwork directory kept: %s\n", dir) }, nil
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// StartCluster starts etcd and kube-apiserver in dir/cluster (testcluster.Start), saying
// so with Status. stop stops them and, when *err is nil, sets it to what Stop returned:
// defer stop(&err) in a function whose error result is named err.
func StartCluster(ctx context.Context, dir string) (c *testcluster.Cluster, stop func(err *error), err error) {
	Status("starting etcd + kube-apiserver")
	c, err = testcluster.Start(ctx, testcluster.Options{Dir: filepath.Join(dir, "cluster")})
	if err != nil {
		return nil, nil, err
	}
	return c, func(err *error) {
		if serr := c.Stop(); serr != nil && *err == nil {
			*err = serr
		}
	}, nil
}
