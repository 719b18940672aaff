package gitrepo

import (
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
)

// CommitInfo is what tells two commits' contents and places apart.
type CommitInfo struct {
	SHA     string
	Tree    string
	Parents []string
}

// CommitInfo reads the tree and parents of commit sha (full or abbreviated, or
// "" for the checked-out commit).
func (r *Repo) CommitInfo(sha string) (CommitInfo, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.rev
	if sha != "" {
		rh, err := r.repo.ResolveRevision(plumbing.Revision(sha))
		if err != nil {
			return CommitInfo{}, &refNotFoundError{ref: sha, url: r.url}
		}
		h = *rh
	}
	c, err := r.repo.CommitObject(h)
	if err != nil {
		return CommitInfo{}, fmt.Errorf("read commit %s in %s: %w", h, r.dir, err)
	}
	info := CommitInfo{SHA: c.Hash.String(), Tree: c.TreeHash.String()}
	for _, p := range c.ParentHashes {
		info.Parents = append(info.Parents, p.String())
	}
	return info, nil
}
