// Command rusage runs a command and writes its wall time, CPU time and peak RSS to a
// file as JSON. The plan/apply benchmark starts every tool under it: it is small, so
// the peak RSS Linux reports for its child (which includes the memory of the process
// that started it, left at exec) is the child's own.
//
//	rusage FILE COMMAND [ARG...]
//
// It uses the standard streams and environment it was given, exits with the command's
// exit code, and the command dies with it.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: rusage FILE COMMAND [ARG...]")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[2], os.Args[3:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "rusage:", err)
		os.Exit(127)
	}
	u := struct {
		Wall   time.Duration `json:"wall"`
		CPU    time.Duration `json:"cpu"`
		MaxRSS int64         `json:"maxRSS"`
	}{Wall: wall, CPU: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		u.MaxRSS = ru.Maxrss * 1024 // KiB on Linux
	}
	b, _ := json.Marshal(u)
	if err := os.WriteFile(os.Args[1], b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "rusage:", err)
		os.Exit(127)
	}
	os.Exit(cmd.ProcessState.ExitCode())
}
