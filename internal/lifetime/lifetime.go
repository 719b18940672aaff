package lifetime

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
)

// Linux sends the parent-death signal when the *thread* that forked the child (or called
// prctl) exits, and the Go runtime ends a thread when a goroutine locked to it returns. So
// both happen on one thread that stays locked for the life of the process.

var (
	lockedOnce  sync.Once
	lockedCalls chan func()
)

// onLockedThread runs f on a thread that lives as long as the process.
func onLockedThread(f func()) {
	lockedOnce.Do(func() {
		lockedCalls = make(chan func())
		go func() {
			runtime.LockOSThread() // never unlocked
			for call := range lockedCalls {
				call()
			}
		}()
	})
	done := make(chan struct{})
	lockedCalls <- func() { f(); close(done) }
	<-done
}

// StartChild starts cmd in its own process group (a Ctrl-C meant for the caller's
// terminal reaches the caller, which stops the child in order), with SIGKILL from the
// kernel when this process dies (Pdeathsig). It is started from the long-lived thread,
// so the signal comes only when this process dies. Other cmd.SysProcAttr fields are kept.
func StartChild(cmd *exec.Cmd) (err error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid, cmd.SysProcAttr.Pdeathsig = true, syscall.SIGKILL
	onLockedThread(func() { err = cmd.Start() })
	return err
}

// SignalOnParentExit asks the kernel to send sig to this process when its parent exits,
// however it exits, so that a command running a control plane (hack/testcluster, the
// benchmarks) stops it in order from its signal handler when the script or make that ran
// it is killed. A parent that died while this was being set up counts too.
func SignalOnParentExit(sig syscall.Signal) (err error) {
	parent := os.Getppid()
	onLockedThread(func() {
		if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(sig), 0); errno != 0 {
			err = fmt.Errorf("prctl(PR_SET_PDEATHSIG): %w", errno)
		}
	})
	if err == nil && os.Getppid() != parent {
		err = syscall.Kill(os.Getpid(), sig)
	}
	return err
}
