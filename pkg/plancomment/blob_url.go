package plancomment

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// BlobURL links to file at ref (a commit or a branch) of the repository whose web
// page is repoURL ("https://github.com/owner/name"), at line when it is over 0. The
// file's path and the ref are escaped: a file named by a repository cannot add a
// query or a fragment, or leave the repository.
func BlobURL(repoURL, ref, file string, line int) string {
	u := strings.TrimSuffix(repoURL, "/") + "/blob/" + escapePath(ref) + "/" + escapePath(strings.TrimPrefix(file, "/"))
	if line > 0 {
		u += fmt.Sprintf("#L%d", line)
	}
	return u
}

// escapePath escapes each segment of a slash-separated path; "." and ".." segments
// are escaped too, so that they stay names.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		switch s {
		case ".":
			segs[i] = "%2E"
		case "..":
			segs[i] = "%2E%2E"
		default:
			segs[i] = url.PathEscape(s)
		}
	}
	return strings.Join(segs, "/")
}

// Repository names and links, for a plan's source line, the repository whose web
// page is repoURL ("https://github.com/owner/name"): "owner/name", its paths at a
// commit and its commits. It is nil when repoURL is "".
func Repository(repoURL string) *plan.MarkdownRepository {
	if repoURL == "" {
		return nil
	}
	root := strings.TrimSuffix(repoURL, "/")
	name := root
	if u, err := url.Parse(root); err == nil && u.Host != "" {
		name = strings.Trim(u.Path, "/")
	}
	return &plan.MarkdownRepository{
		Name: name,
		URL:  root,
		TreeURL: func(rev, path string) string {
			return root + "/tree/" + escapePath(rev) + "/" + escapePath(strings.TrimPrefix(path, "/"))
		},
		CommitURL: func(rev string) string { return root + "/commit/" + escapePath(rev) },
	}
}
