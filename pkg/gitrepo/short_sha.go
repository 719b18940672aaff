package gitrepo

import "strings"

// ShortSHA is commit id sha cut to its first n characters, for messages and logs. A
// string of n characters or fewer, and one that is more than a commit id (a revision
// with a suffix such as "-dirty"), is returned whole.
func ShortSHA(sha string, n int) string {
	if len(sha) <= n || strings.Contains(sha, "-") {
		return sha
	}
	return sha[:n]
}
