//go:build unix

package repofile

import "syscall"

// nonblock keeps an open of a named pipe that appeared after the check from waiting.
const nonblock = syscall.O_NONBLOCK
