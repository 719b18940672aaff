package bot

import (
	"sort"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
)

// ImageIndex maps each image repository ("ghcr.io/acme/app") to the git repositories
// whose default branch automates it, so that a registry event touches only those. It
// also remembers the repositories whose images could not be read, so a later scan can
// try them again, and the default branch's commit each repository was last read at,
// so that a build of the index reads again only the repositories whose default branch
// moved. Safe for concurrent use.
type ImageIndex struct {
	mu      sync.RWMutex
	byImage map[string]map[RepoRef]bool
	byRepo  map[RepoRef][]string
	failed  map[RepoRef]bool
	heads   map[RepoRef]string
}

// NewImageIndex is an empty index.
func NewImageIndex() *ImageIndex {
	return &ImageIndex{byImage: map[string]map[RepoRef]bool{}, byRepo: map[RepoRef][]string{}, failed: map[RepoRef]bool{},
		heads: map[RepoRef]string{}}
}

// canonicalImage is go-containerregistry's name of an image repository, so that
// "nginx" and "index.docker.io/library/nginx" are one key; s itself when it does not
// parse.
func canonicalImage(s string) string {
	if r, err := name.NewRepository(s); err == nil {
		return r.Name()
	}
	return s
}

// Set records the images repo automates (replacing what it had); none removes it. The
// commit it was read at stays what it was: a read that moved on from it (a bump) can
// only make the next build read the repository again, never skip it wrongly.
func (x *ImageIndex) Set(repo RepoRef, imgs []string) { x.SetAt(repo, "", imgs) }

// SetAt is Set with head, the default branch's commit learnt before imgs were read
// (so imgs are those of head or of a later commit); "" keeps the one recorded.
func (x *ImageIndex) SetAt(repo RepoRef, head string, imgs []string) {
	seen := map[string]bool{}
	var list []string
	for _, im := range imgs {
		im = canonicalImage(im)
		if !seen[im] {
			seen[im] = true
			list = append(list, im)
		}
	}
	sort.Strings(list)
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.failed, repo)
	if head != "" {
		x.heads[repo] = head
	}
	x.unlink(repo)
	if len(list) == 0 {
		return
	}
	x.byRepo[repo] = list
	for _, im := range list {
		if x.byImage[im] == nil {
			x.byImage[im] = map[RepoRef]bool{}
		}
		x.byImage[im][repo] = true
	}
}

// Failed records that repo's images could not be read; what the index knew of it
// stays until a later read succeeds.
func (x *ImageIndex) Failed(repo RepoRef) {
	x.mu.Lock()
	x.failed[repo] = true
	x.mu.Unlock()
}

// Unchanged records that repo's default branch is still at the commit its images
// were read at: what the index knows of it is current (and no longer failed).
func (x *ImageIndex) Unchanged(repo RepoRef) {
	x.mu.Lock()
	delete(x.failed, repo)
	x.mu.Unlock()
}

// Head is the default branch's commit repo's images were read at ("": unknown).
func (x *ImageIndex) Head(repo RepoRef) string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.heads[repo]
}

// Remove forgets repo.
func (x *ImageIndex) Remove(repo RepoRef) {
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.failed, repo)
	delete(x.heads, repo)
	x.unlink(repo)
}

// Known are the repositories the index knows anything of (images, a failure, a
// commit read), sorted.
func (x *ImageIndex) Known() []RepoRef {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.known()
}

// known is Known with x.mu held.
func (x *ImageIndex) known() []RepoRef {
	all := map[RepoRef]bool{}
	for r := range x.failed {
		all[r] = true
	}
	for r := range x.byRepo {
		all[r] = true
	}
	for r := range x.heads {
		all[r] = true
	}
	return sortedRepos(all)
}

// RemoveInstallation forgets every repository of installation id.
func (x *ImageIndex) RemoveInstallation(id int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for r := range x.byRepo {
		if r.Installation == id {
			x.unlink(r)
		}
	}
	for r := range x.failed {
		if r.Installation == id {
			delete(x.failed, r)
		}
	}
	for r := range x.heads {
		if r.Installation == id {
			delete(x.heads, r)
		}
	}
}

func (x *ImageIndex) unlink(repo RepoRef) {
	for _, im := range x.byRepo[repo] {
		delete(x.byImage[im], repo)
		if len(x.byImage[im]) == 0 {
			delete(x.byImage, im)
		}
	}
	delete(x.byRepo, repo)
}

// Repos are the repositories that automate image, sorted.
func (x *ImageIndex) Repos(image string) []RepoRef {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return sortedRepos(x.byImage[canonicalImage(image)])
}

// Images are the images repo automates, sorted.
func (x *ImageIndex) Images(repo RepoRef) []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return append([]string(nil), x.byRepo[repo]...)
}

// Automated are the repositories that automate at least one image, sorted.
func (x *ImageIndex) Automated() []RepoRef {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return sortedRepos(x.byRepo)
}

// FailedRepos are the repositories whose images could not be read last time, sorted.
func (x *ImageIndex) FailedRepos() []RepoRef {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return sortedRepos(x.failed)
}

// Size is the number of repositories with automated images and of distinct images.
func (x *ImageIndex) Size() (repos, images int) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.byRepo), len(x.byImage)
}

// sortedRepos are the repositories of m (a map of the index), sorted.
func sortedRepos[V any](m map[RepoRef]V) []RepoRef {
	out := make([]RepoRef, 0, len(m))
	for r := range m {
		out = append(out, r)
	}
	sortRepos(out)
	return out
}

func sortRepos(rs []RepoRef) {
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].Installation != rs[j].Installation {
			return rs[i].Installation < rs[j].Installation
		}
		return rs[i].FullName() < rs[j].FullName()
	})
}
