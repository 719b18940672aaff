package browsertest

import (
	"os/exec"
	"syscall"
	"unsafe"
)

// Chromium never outlives the test process: lifetime.StartChild starts it in its own
// process group with SIGKILL from the kernel when the test process dies.

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
