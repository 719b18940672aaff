package gitcache

import (
	"slices"
	"time"
)

// evict removes idle work trees (the longest idle first), then the least recently
// used repositories that no job is using, until the cache fits its budget. A repository in use stays, even alone over the budget; it
// goes at a later call, once unused.
func (c *Cache) evict() {
	if c.budget <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var total int64
	for _, e := range c.entries {
		total += e.size
	}
	if idle := c.idleBytes(); total+idle > c.budget {
		// Idle work trees first: a checkout without one writes every file again, a
		// repository removed is fetched again from nothing.
		total += idle - c.evictIdle(total+idle-c.budget)
	} else {
		total += idle
	}
	if total <= c.budget {
		return
	}
	idle := make([]*entry, 0, len(c.entries))
	for _, e := range c.entries {
		if e.pins == 0 {
			idle = append(idle, e)
		}
	}
	slices.SortFunc(idle, func(a, b *entry) int { return a.used.Compare(b.used) })
	for _, e := range idle {
		if total <= c.budget {
			return
		}
		// No job holds it (jobs pin before they lock), so none can while c.mu is held.
		if err := c.remove(e.key); err != nil {
			c.log.Warn("git cache: cannot remove a repository over the budget", "key", e.key, "error", err)
			continue
		}
		c.log.Info("git cache: removed the least recently used repository", "key", e.key, "bytes", e.size,
			"unused_for", time.Since(e.used).Round(time.Second).String())
		total -= e.size
		delete(c.entries, e.key)
	}
	if total > c.budget {
		c.log.Warn("git cache: over its budget with repositories in use", "bytes", total, "budget", c.budget)
	}
}
