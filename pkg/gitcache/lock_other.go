//go:build !unix

package gitcache

import (
	"fmt"
	"os"
)

// lockDir opens the cache directory's lock file; without flock, nothing keeps a second
// process out: give each process its own directory.
func lockDir(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open git cache lock %s: %w", path, err)
	}
	return f, nil
}
