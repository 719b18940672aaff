package botproc

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Build compiles ./cmd/bot of this module as the release does into dir and returns the
// binary's path.
func Build(t testing.TB, dir string) string {
	t.Helper()
	mod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	bin := filepath.Join(dir, "kubectl-gitops-bot")
	build := exec.Command("go", "build", "-tags", "kustomize_disable_go_plugin_support", "-o", bin, "./cmd/bot")
	build.Dir = filepath.Dir(strings.TrimSpace(string(mod)))
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/bot: %v\n%s", err, out)
	}
	return bin
}

// Start runs bin with args and env (PATH is added) until the test ends: then it sends
// SIGTERM and fails the test unless the bot exits cleanly within a minute. The bot dies
// with the test process. Its logs are printed when the test failed.
func Start(t testing.TB, bin string, args, env []string) *Logs {
	t.Helper()
	return Run(t, bin, args, env).Logs
}

// Proc is a bot process started by Run.
type Proc struct {
	Logs *Logs
	cmd  *exec.Cmd
	once sync.Once
}

// Run is Start, and the process can also be stopped before the test ends (Stop), as
// a restart does.
func Run(t testing.TB, bin string, args, env []string) *Proc {
	t.Helper()
	p := &Proc{Logs: &Logs{}}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	p.cmd.Stdout, p.cmd.Stderr = p.Logs, p.Logs
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Stop(t)
		if t.Failed() {
			t.Logf("bot logs:\n%s", p.Logs.String())
		}
	})
	return p
}

// Stop sends SIGTERM and waits for the bot to exit, failing the test unless it exits
// cleanly within a minute. Only the first call does anything.
func (p *Proc) Stop(t testing.TB) {
	p.once.Do(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- p.cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("the bot exited with %v after SIGTERM", err)
			}
		case <-time.After(time.Minute):
			_ = p.cmd.Process.Kill()
			t.Error("the bot did not stop within a minute of SIGTERM")
		}
	})
}

// Logs is what the bot wrote, safe to read while it writes.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
