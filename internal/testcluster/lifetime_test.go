package testcluster

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
)

// processes returns the processes whose command line references dir, failing the test
// on error.
func processes(t *testing.T, dir string) []Process {
	t.Helper()
	ps, err := ProcessesReferencing(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func components(ps []Process) []string {
	var names []string
	for _, p := range ps {
		names = append(names, filepath.Base(strings.Fields(p.Cmdline)[0]))
	}
	return names
}

// The components are forked from a thread that lives as long as the process: a cluster
// started from a goroutine whose thread the runtime ends afterwards keeps running (the
// kernel sends Pdeathsig when the forking *thread* exits), and Stop leaves nothing behind.
func TestClusterOutlivesStartingThreadAndStopLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	var c *Cluster
	var err error
	onEndingThread(t, func() { c, err = Start(context.Background(), Options{Dir: dir, ControllerManager: true}) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })

	got := components(processes(t, dir))
	for _, want := range []string{"etcd", "kube-apiserver", "kube-controller-manager"} {
		if !strings.Contains(strings.Join(got, " "), want) {
			t.Fatalf("after the starting thread ended, running: %v; want %s still running", got, want)
		}
	}
	kc, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kc.Discovery().ServerVersion(); err != nil {
		t.Fatalf("apiserver after the starting thread ended: %v", err)
	}

	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if ps := processes(t, dir); len(ps) > 0 {
		t.Fatalf("still running after Stop: %v", ps)
	}
}

// onEndingThread runs f in a goroutine locked to a thread the runtime then ends, and
// returns once the thread is gone. The runtime ends a thread whose locked goroutine
// returns, except the main thread, which it only parks: f never runs there.
func onEndingThread(t *testing.T, f func()) {
	t.Helper()
	tids := make(chan int)
	release := make(chan struct{})
	var run func()
	run = func() {
		runtime.LockOSThread() // never unlocked on the thread f runs on
		if syscall.Gettid() == os.Getpid() {
			go run() // this goroutine holds the main thread meanwhile, so run gets another
			<-release
			runtime.UnlockOSThread()
			return
		}
		f()
		tids <- syscall.Gettid()
	}
	go run()
	tid := <-tids
	close(release)
	task := filepath.Join("/proc/self/task", strconv.Itoa(tid))
	for {
		if _, err := os.Stat(task); errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A Start that fails (here: cancelled while waiting for the apiserver) stops what it started.
func TestFailedStartLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Start(ctx, Options{Dir: dir, ControllerManager: true}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Start with a cancelled context: %v, want context.Canceled", err)
	}
	if ps := processes(t, dir); len(ps) > 0 {
		t.Fatalf("still running after a failed Start: %v", ps)
	}
}
