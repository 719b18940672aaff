package browsertest

import (
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"unsafe"
)

// Chromium never outlives the test process: it runs in its own process group and gets
// SIGKILL from the kernel when its parent dies (Pdeathsig). Linux sends that signal when the
// *thread* that forked the child exits, and the Go runtime ends a thread when a goroutine
// locked to it returns; so Chromium is started from one thread that stays locked for the
// life of the process (as internal/testcluster does).

var (
	lockedOnce  sync.Once
	lockedCalls chan func()
)

// startCmd starts cmd from a thread that lives as long as the process.
func startCmd(cmd *exec.Cmd) (err error) {
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
	lockedCalls <- func() { err = cmd.Start(); close(done) }
	<-done
	return err
}

// waitKillGroup waits until Chromium's first process has exited, kills what is left of its
// process group while the exited process (a zombie until reaped) still holds the group's
// id, then reaps it. So nothing Chromium started outlives the load, and no other process
// can be hit by a reused id.
func waitKillGroup(cmd *exec.Cmd) error {
	pid := cmd.Process.Pid
	const pPID, wEXITED, wNOWAIT = 1, 4, 0x1000000
	var siginfo [128]byte
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid),
			uintptr(unsafe.Pointer(&siginfo)), wEXITED|wNOWAIT, 0, 0)
		if errno != syscall.EINTR {
			break
		}
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	return cmd.Wait()
}
