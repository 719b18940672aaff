package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/internal/testcluster"
)

// build builds a main package of this module (a path relative to the module root) into
// dir with extra go build flags, and returns the binary's path.
func build(t *testing.T, dir, pkg string, flags ...string) string {
	t.Helper()
	bin := filepath.Join(dir, filepath.Base(pkg))
	cmd := exec.Command("go", append(append([]string{"build", "-o", bin}, flags...), pkg)...)
	cmd.Dir = moduleRoot(t)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// binDirEnv is the environment with GITOPS_TESTCLUSTER_BIN set (building the control plane
// if it is not cached).
func binDirEnv(t *testing.T) []string {
	t.Helper()
	dir, err := testcluster.BinDir()
	if err != nil {
		t.Fatal(err)
	}
	return append(os.Environ(), "GITOPS_TESTCLUSTER_BIN="+dir)
}

// running returns the processes whose command line contains s.
func running(t *testing.T, s string) []testcluster.Process {
	t.Helper()
	ps, err := testcluster.ProcessesReferencing(s)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// requireRunning fails unless each of names runs with s on its command line.
func requireRunning(t *testing.T, s string, names ...string) {
	t.Helper()
	ps := running(t, s)
	for _, name := range names {
		found := false
		for _, p := range ps {
			found = found || filepath.Base(strings.Fields(p.Cmdline)[0]) == name
		}
		if !found {
			t.Fatalf("%s is not running; processes referencing %s: %v", name, s, ps)
		}
	}
}

// requireGone fails if a process references s once the ones killed asynchronously
// (by a parent-death signal) had the time to exit.
func requireGone(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute) // a bound for a hung test, not a threshold
	for {
		ps := running(t, s)
		if len(ps) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still running: %v", ps)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startLogged starts cmd with its output in the file log, waits until a line of it
// contains ready and returns a channel that receives cmd.Wait's result.
func startLogged(t *testing.T, cmd *exec.Cmd, log, ready string) <-chan error {
	t.Helper()
	f, err := os.Create(log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	waitForLine(t, log, ready, exited)
	return exited
}

// waitForLine waits until the file log contains s, failing if the process behind exited
// first.
func waitForLine(t *testing.T, log, s string, exited <-chan error) {
	t.Helper()
	for {
		b, _ := os.ReadFile(log)
		if strings.Contains(string(b), s) {
			return
		}
		select {
		case err := <-exited:
			t.Fatalf("exited (%v) before printing %q:\n%s", err, s, b)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// killLeftovers kills, when the test ends, whatever still references s (so a failing test
// leaves nothing running).
func killLeftovers(t *testing.T, s string) {
	t.Cleanup(func() {
		ps, _ := testcluster.ProcessesReferencing(s)
		for _, p := range ps {
			_ = syscall.Kill(p.PID, syscall.SIGKILL)
		}
	})
}

var components = []string{"etcd", "kube-apiserver", "kube-controller-manager"}

// The command stops the control plane on SIGINT and SIGTERM, stops it when its parent dies
// (even by SIGKILL), and the kernel kills the components when the command is SIGKILLed.
func TestSignalsStopControlPlane(t *testing.T) {
	bin := build(t, t.TempDir(), "./hack/testcluster")
	env := binDirEnv(t)
	tests := []struct {
		name string
		// parent runs the command under a shell that is killed instead of it.
		parent bool
		sig    syscall.Signal
		// orderly: the command waited for its components before exiting.
		orderly bool
	}{
		{name: "SIGINT", sig: syscall.SIGINT, orderly: true},
		{name: "SIGTERM", sig: syscall.SIGTERM, orderly: true},
		{name: "SIGKILL", sig: syscall.SIGKILL},
		{name: "parent SIGKILL", parent: true, sig: syscall.SIGKILL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "cluster")
			killLeftovers(t, dir)
			var cmd *exec.Cmd
			if tt.parent {
				cmd = exec.Command("bash", "-c", `"$0" -dir "$1" -controller-manager & wait`, bin, dir)
			} else {
				cmd = exec.Command(bin, "-dir", dir, "-controller-manager")
			}
			cmd.Env = env
			exited := startLogged(t, cmd, filepath.Join(t.TempDir(), "out.log"), "control plane ready")
			requireRunning(t, dir, components...)

			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			t.Logf("exit after %s: %v", tt.name, <-exited)
			if tt.orderly {
				if ps := running(t, dir); len(ps) > 0 {
					t.Fatalf("still running after the command exited: %v", ps)
				}
				return
			}
			requireGone(t, dir)
		})
	}
}
