package inventory

import (
	"context"
	"fmt"
)

// Fence confirms that this process still holds the set's lock, right before a write of
// the set (the inventory, a batch of deletions): it renews the lease with the
// resourceVersion last seen, which fails if anyone else wrote it since, so a process
// that stalled past its lock's expiry cannot overwrite what the next holder wrote. It
// returns nil when no lock is held (nothing to confirm), an error wrapping ErrLockLost
// when the lock is lost, or another error when it could not be confirmed.
func (s *Store) Fence(ctx context.Context) error {
	s.mu.Lock()
	l := s.lock
	s.mu.Unlock()
	if l == nil {
		return nil
	}
	if err := l.renew(ctx); err != nil {
		return fmt.Errorf("confirm the lock of %s before writing: %w", s.parent, err)
	}
	return nil
}
