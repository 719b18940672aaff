package gitcache

import "strings"

// ForgetUnlisted is Forget of every cached repository whose name (Request.Name) is
// known and not among names (compared in any case, as GitHub's names are), for a
// caller that has just listed every repository it may read: what it can no longer
// read goes, even when the event that said so was missed (the process was down). A
// repository cached without a name is left to eviction. It returns how many it
// forgot.
func (c *Cache) ForgetUnlisted(names []string) int {
	listed := make(map[string]bool, len(names))
	for _, n := range names {
		listed[strings.ToLower(n)] = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, e := range c.entries {
		if e.name != "" && !listed[strings.ToLower(e.name)] {
			c.forgetLocked(e)
			n++
		}
	}
	return n
}
