package plan

import "path"

// NamespaceAllowed reports whether ns is in allowed, whose entries are namespace names
// or globs of them (path.Match: "shop-*"; "*" is every namespace). Namespace names
// never hold glob characters, so an entry is unambiguous. An empty allowed allows
// every namespace.
func NamespaceAllowed(allowed []string, ns string) bool {
	if len(allowed) == 0 {
		return true
	}
	for _, a := range allowed {
		if a == ns {
			return true
		}
		if ok, err := path.Match(a, ns); err == nil && ok {
			return true
		}
	}
	return false
}
