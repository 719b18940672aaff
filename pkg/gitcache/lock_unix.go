//go:build unix

package gitcache

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockDir takes the cache directory's lock file, without waiting: one process uses a
// cache directory at a time. The lock goes with the process, however it ends.
func lockDir(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open git cache lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("git cache %s is in use by another process (%s is locked)", path[:len(path)-len(lockFile)-1], path)
		}
		return nil, fmt.Errorf("lock git cache %s: %w", path, err)
	}
	return f, nil
}
