//go:build unix

package manifest

import (
	"os/exec"
	"syscall"
)

// killGroup starts the command in its own process group and kills the whole group on
// cancellation, so children of sh (pipelines, sleeps) do not outlive the timeout.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
