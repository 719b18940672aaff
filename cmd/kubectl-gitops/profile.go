package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfiles starts a CPU profile into $GITOPS_CPUPROFILE and arranges a heap
// profile into $GITOPS_MEMPROFILE, when set (for docs/bench.md's profiling; never
// needed in normal use). The returned function writes them; call it before exiting.
func startProfiles() func() {
	cpu, mem := os.Getenv("GITOPS_CPUPROFILE"), os.Getenv("GITOPS_MEMPROFILE")
	var stops []func()
	if cpu != "" {
		f, err := os.Create(cpu)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "warning: CPU profile:", err)
		} else {
			stops = append(stops, func() { pprof.StopCPUProfile(); f.Close() })
		}
	}
	if mem != "" {
		stops = append(stops, func() {
			f, err := os.Create(mem)
			if err == nil {
				runtime.GC() // up-to-date in-use figures
				err = pprof.WriteHeapProfile(f)
				f.Close()
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "warning: heap profile:", err)
			}
		})
	}
	return func() {
		for _, stop := range stops {
			stop()
		}
	}
}
