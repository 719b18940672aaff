package bot

import (
	"strings"

	"github.com/google/go-github/v60/github"
)

// RepoRef names one repository of one installation of the App.
type RepoRef struct {
	Installation int64
	Owner, Name  string
}

// FullName is "owner/name".
func (r RepoRef) FullName() string { return r.Owner + "/" + r.Name }

// refs are the RepoRefs of repos, of installation inst.
func refs(inst int64, repos []*github.Repository) []RepoRef {
	var out []RepoRef
	for _, r := range repos {
		if ref, ok := repoRef(inst, r.GetFullName()); ok {
			out = append(out, ref)
		}
	}
	return out
}

// repoRef splits "owner/name".
func repoRef(inst int64, fullName string) (RepoRef, bool) {
	owner, name, ok := strings.Cut(fullName, "/")
	if !ok || owner == "" || name == "" || inst == 0 {
		return RepoRef{}, false
	}
	return RepoRef{Installation: inst, Owner: owner, Name: name}, true
}
