package gitcache

import (
	"slices"
	"strings"
)

// Forget removes the cached repositories of url (in every scope), one the caller may
// no longer read (a repository removed from the bot's installation, or the
// installation deleted): at once when no job uses it, else when the last job using it
// ends. A URL the cache does not hold is a no-op. A later Checkout of url fetches it
// again from nothing.
func (c *Cache) Forget(url string) {
	want := normalURL(url)
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.entries {
		if e.url != "" && normalURL(e.url) == want {
			c.forgetLocked(e)
		}
	}
}

// ForgetName is Forget of every cached repository whose Request.Name is name (in any
// case: GitHub's names are; in every scope), and returns how many there were.
func (c *Cache) ForgetName(name string) int {
	if name == "" {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, e := range c.entries {
		if strings.EqualFold(e.name, name) {
			c.forgetLocked(e)
			n++
		}
	}
	return n
}

// forgetLocked removes e now, or marks it for its last job; c.mu is held.
func (c *Cache) forgetLocked(e *entry) {
	if e.pins > 0 {
		e.forget = true
		c.log.Info("git cache: a repository to forget is in use; removing it once its jobs end", "key", e.key, "url", e.url)
		return
	}
	c.dropLocked(e)
}

// dropLocked removes e's repository, which no job uses, and its entry, and reports
// whether it did; c.mu is held (no job can pin it meanwhile, see evict).
func (c *Cache) dropLocked(e *entry) bool {
	if err := c.remove(e.key); err != nil {
		c.log.Warn("git cache: cannot remove a forgotten repository", "key", e.key, "error", err)
		return false
	}
	c.log.Info("git cache: removed a forgotten repository", "key", e.key, "url", e.url, "bytes", e.size)
	if c.entries[e.key] == e {
		delete(c.entries, e.key)
	}
	return true
}

// URLs are the remotes (without credentials) of the cached repositories whose URL is
// known, sorted: for a caller that forgets repositories by name (see Forget).
func (c *Cache) URLs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.entries))
	for _, e := range c.entries {
		if e.url != "" {
			out = append(out, e.url)
		}
	}
	slices.Sort(out)
	return out
}
