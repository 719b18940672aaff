package gitrepo

import (
	"os"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
)

// IsRemote reports whether src names a remote repository to clone rather than a local
// path: a URL (https://, ssh://, git://, file://, ...) or, when no such local path
// exists, an scp-like address (git@github.com:org/repo.git, host:repo.git).
func IsRemote(src string) bool {
	if strings.Contains(src, "://") {
		return true
	}
	if _, err := os.Stat(src); err == nil {
		return false
	}
	ep, err := transport.NewEndpoint(src)
	return err == nil && ep.Protocol == "ssh"
}
