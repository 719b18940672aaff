package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// demo prepares a run of hack/demo.sh (make demo) with its state in a temp dir and BIN
// as the plugin, in its own process group (as a terminal's foreground job is). It returns
// the command and the state dir.
func demo(t *testing.T, bin string) (cmd *exec.Cmd, state string) {
	t.Helper()
	state = filepath.Join(t.TempDir(), "demo")
	killLeftovers(t, state)
	cmd = exec.Command("bash", "hack/demo.sh")
	cmd.Dir = moduleRoot(t)
	cmd.Env = append(binDirEnv(t), "DEMO_DIR="+state, "BIN="+bin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Whatever the script left in its group (a foreground step after a SIGKILL) goes too.
	t.Cleanup(func() {
		if cmd.Process != nil {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	})
	return cmd, state
}

// buildPlugin builds bin/kubectl-gitops the way the Makefile does, into a temp dir.
func buildPlugin(t *testing.T) string {
	t.Helper()
	return build(t, t.TempDir(), "./cmd/kubectl-gitops", "-tags", "kustomize_disable_go_plugin_support", "-trimpath")
}

// The whole demo, then nothing it started is left: not the control plane, not its wrapper.
func TestDemoStopsEverything(t *testing.T) {
	cmd, state := demo(t, buildPlugin(t))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	for _, want := range []string{"Apply: updates, then garbage-collects", "The control plane stops now", "stopped"} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("demo output lacks %q:\n%s", want, out)
		}
	}
	if ps := running(t, state); len(ps) > 0 {
		t.Fatalf("still running after the demo: %v\ndemo output:\n%s", ps, out)
	}
}

// A demo that fails half-way (no plugin: nothing is applied, so scaling the Deployment
// fails and set -e ends the script) stops the control plane too.
func TestDemoFailureStopsControlPlane(t *testing.T) {
	cmd, state := demo(t, filepath.Join(t.TempDir(), "no-such-plugin"))
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("demo without a plugin succeeded:\n%s", out)
	}
	if !strings.Contains(string(out), "(exit 127)") {
		t.Fatalf("demo failed before the control plane started: %v\n%s", err, out)
	}
	if ps := running(t, state); len(ps) > 0 {
		t.Fatalf("still running after the failed demo: %v\ndemo output:\n%s", ps, out)
	}
}

// Ctrl-C (SIGINT to the foreground process group), SIGTERM to the script (what make sends
// its recipe when it is terminated) and SIGKILL to the script, once the control plane runs.
func TestDemoInterruptedStopsControlPlane(t *testing.T) {
	bin := buildPlugin(t)
	tests := []struct {
		name  string
		group bool
		sig   syscall.Signal
	}{
		{name: "Ctrl-C", group: true, sig: syscall.SIGINT},
		{name: "SIGTERM", sig: syscall.SIGTERM},
		{name: "SIGKILL", sig: syscall.SIGKILL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, state := demo(t, bin)
			exited := startLogged(t, cmd, filepath.Join(t.TempDir(), "demo.log"), "==> A git repository")
			cluster := filepath.Join(state, "cluster")
			requireRunning(t, cluster, append([]string{"testcluster"}, components...)...)
			pid := cmd.Process.Pid
			if tt.group {
				pid = -pid
			}
			if err := syscall.Kill(pid, tt.sig); err != nil {
				t.Fatal(err)
			}
			err := <-exited
			t.Logf("demo after %s: %v", tt.name, err)
			if tt.sig == syscall.SIGKILL {
				// The script cannot clean up; its wrapper stops the control plane when
				// it sees its parent die. A foreground step may still be running.
				requireGone(t, cluster)
				return
			}
			if ps := running(t, state); len(ps) > 0 {
				b, _ := os.ReadFile(filepath.Join(state, "testcluster.log"))
				t.Fatalf("still running after the demo exited: %v\ncontrol plane log:\n%s", ps, b)
			}
		})
	}
}
