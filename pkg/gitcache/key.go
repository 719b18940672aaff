package gitcache

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
)

// Key names the cache's repository of remote rawURL for scope (Request.Scope): the hex
// of a hash of the scope and of the URL without credentials, a trailing slash or
// ".git", and with its scheme and host in lower case. Two URLs of one repository that
// differ otherwise get two repositories, as do two scopes; never does a URL become a
// path.
func Key(scope, rawURL string) string {
	sum := sha256.Sum256([]byte(scope + "\n" + normalURL(rawURL)))
	return hex.EncodeToString(sum[:20])
}

// normalURL is rawURL as Key reads it.
func normalURL(rawURL string) string {
	s := gitrepo.RedactURL(strings.TrimSpace(rawURL))
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && u.Host != "" {
		u.Scheme, u.Host = strings.ToLower(u.Scheme), strings.ToLower(u.Host)
		u.User = nil
		s = u.String()
	}
	return strings.TrimSuffix(strings.TrimSuffix(s, "/"), ".git")
}

// validKey reports whether name is a key Key can return (a directory entry of the
// cache that is one of its own).
func validKey(name string) bool {
	if len(name) != 40 {
		return false
	}
	for _, c := range name {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
