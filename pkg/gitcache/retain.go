package gitcache

// ForgetUnlisted is Forget of every cached repository whose name (Request.Name) is
// known and for which listed(scope, name) is false, for a caller that has just listed
// every repository each scope may read: what one can no longer read goes, even when
// the event that said so was missed (the process was down). A repository cached
// without a name is left to eviction. It returns how many it forgot.
func (c *Cache) ForgetUnlisted(listed func(scope, name string) bool) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, e := range c.entries {
		if e.name != "" && !listed(e.scope, e.name) {
			c.forgetLocked(e)
			n++
		}
	}
	return n
}
