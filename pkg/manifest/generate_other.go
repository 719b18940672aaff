//go:build !unix

package manifest

import "os/exec"

// killGroup: without process groups only sh itself is killed on cancellation.
func killGroup(*exec.Cmd) {}
