package testcluster

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Process is a live process found by ProcessesReferencing.
type Process struct {
	PID     int
	Cmdline string // arguments joined by spaces
}

func (p Process) String() string { return strconv.Itoa(p.PID) + " " + p.Cmdline }

// ProcessesReferencing lists the live processes (zombies excluded) other than this one
// whose command line contains s: with a state directory, every component a control
// plane started there. Tests use it to check that nothing outlives a stop.
func ProcessesReferencing(s string) ([]Process, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var out []Process
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(raw) == 0 { // gone meanwhile, or a zombie or kernel thread
			continue
		}
		cmdline := strings.TrimSpace(string(bytes.ReplaceAll(raw, []byte{0}, []byte{' '})))
		if !strings.Contains(cmdline, s) || zombie(e.Name()) {
			continue
		}
		out = append(out, Process{PID: pid, Cmdline: cmdline})
	}
	return out, nil
}

// zombie reports whether /proc/PID/stat shows state Z (exited, not yet reaped) or X.
func zombie(pid string) bool {
	stat, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return false
	}
	return stat[i+2] == 'Z' || stat[i+2] == 'X'
}
