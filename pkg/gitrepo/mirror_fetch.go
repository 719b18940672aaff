package gitrepo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// MirrorRefPrefix is where FetchCommit keeps each commit it fetched into a bare
// repository (refs/gitcache/<sha>): their objects are offered to the remote as haves,
// so a later fetch brings only what is new. They are never read to resolve a branch.
const MirrorRefPrefix = "refs/gitcache/"

// mirrorBranches is where the fallback fetch of every branch lands, removed after.
const mirrorBranches = "refs/gitcache-branches/"

// FetchCommit makes the bare repository at dir (made when absent) hold the object sha
// of the remote url (a commit, or an annotated tag naming one) with the files of its
// commit, and returns the bytes of pack it wrote (0 when it held the object already).
//
// It fetches the object alone, by its id and without its history (depth 1), and offers
// the commits the repository keeps as haves, so the remote sends only the objects they
// lack. A remote that does not serve an object by its id (GitHub does) gets the fetch of
// the ref that names it now, forced, and failing that the fetch of every branch with
// its history. The fetch is bounded by WithMaxBytes (an error wrapping ErrTooLarge).
// The caller serialises fetches and removals of one repository; reads (AddWorktree)
// may run alongside a fetch.
func FetchCommit(ctx context.Context, dir, url, sha string, opts ...Option) (int64, error) {
	o := makeOptions(opts)
	safe := RedactURL(url)
	red := newRedactor(url, o.auth)
	if !isFullSha(sha) {
		return 0, fmt.Errorf("fetch %q from %s: not a full commit sha", sha, safe)
	}
	sha = strings.ToLower(sha)
	ep, err := transport.NewEndpoint(url)
	if err != nil {
		return 0, red.err(fmt.Errorf("parse git URL %s: %w", safe, err))
	}
	auth, err := authFor(ep, o.auth)
	if err != nil {
		return 0, fmt.Errorf("git remote %s: %w", safe, err)
	}
	fs := filesystem.NewStorage(osfs.New(dir), cache.NewObjectLRUDefault())
	repo, err := git.Open(fs, nil)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return 0, fmt.Errorf("create git cache repository %s: %w", dir, err)
		}
		repo, err = git.Init(fs, nil)
	}
	if err != nil {
		return 0, fmt.Errorf("open git cache repository %s: %w", dir, err)
	}
	h := plumbing.NewHash(sha)
	keep := plumbing.ReferenceName(MirrorRefPrefix + sha)
	if _, err := peel(repo, h); err == nil {
		// Used again: kept longer by TrimMirrorRefs.
		now := time.Now()
		_ = os.Chtimes(filepath.Join(dir, filepath.FromSlash(keep.String())), now, now)
		return 0, nil
	}

	st := &cappedStorage{Storage: fs, max: o.maxBytes, url: safe}
	rem := git.NewRemote(st, &config.RemoteConfig{Name: git.DefaultRemoteName, URLs: []string{url}})
	fetch := func(spec string, depth int) error {
		err := rem.FetchContext(ctx, &git.FetchOptions{RemoteName: git.DefaultRemoteName, Auth: auth, Depth: depth,
			Tags: git.NoTags, RefSpecs: []config.RefSpec{config.RefSpec(spec)}})
		if errors.Is(err, git.NoErrAlreadyUpToDate) {
			return nil
		}
		return err
	}
	fail := func(err error) (int64, error) {
		return st.used.Load(), red.err(fmt.Errorf("fetch %s from %s: %w", sha[:12], safe, transportError(err, hasCreds(url, auth))))
	}

	byID := sha + ":" + keep.String()
	checked := false // the commit's tree was found whole
	if hasMirrorRefs(repo) {
		// The commits kept here are offered as haves and the remote sends what lies
		// between them and sha: with a depth, it would cut sha from its parents and send
		// all its files again. Within a quarter of the limit, else from nothing.
		st.max = o.maxBytes / 4
		err = fetch(byID, 0)
		if errors.Is(err, ErrTooLarge) && ctx.Err() == nil {
			o.log.Debug("the commit is far from those kept; fetching it alone", "url", safe, "commit", sha)
			removeTempObjects(dir)
			err = errIncremental
		}
		st.max = o.maxBytes
		depth := 1
		if err == nil {
			c, perr := peel(repo, h)
			if perr != nil {
				// An ancestor of a kept commit: the remote took it for had (the kept
				// commits' history is not here).
				err = errIncremental
			} else if merr := checkComplete(repo, c); merr != nil {
				// The remote left out files of the commit it takes the kept commits'
				// history to hold: fetched alone, whole. The commit is here now, so go-git
				// wants it again only with a depth other than 1 (its parent comes too).
				o.log.Debug("the incremental fetch lacks files of the commit; fetching it alone", "url", safe, "commit", sha, "missing", merr)
				_ = repo.Storer.RemoveReference(keep)
				err, depth = errIncremental, 2
			} else {
				checked = true
			}
		}
		if errors.Is(err, errIncremental) {
			st.used.Store(0)
			err = fetch(byID, depth)
		}
	} else {
		err = fetch(byID, 1)
	}
	if err != nil && (errors.Is(err, ErrTooLarge) || ctx.Err() != nil) {
		return fail(err)
	}
	if err != nil {
		o.log.Debug("the remote did not serve the commit by its id; fetching the ref that names it", "url", safe, "commit", sha, "error", red.err(err))
		refs, lerr := listRefs(ctx, url, auth)
		if lerr != nil {
			return fail(lerr)
		}
		if n, ok := refAt(refs, sha); ok {
			err = fetch("+"+n.String()+":"+keep.String(), 1)
		} else {
			// Every branch with its history (deepened rather than unbounded, so that the
			// remote knows which commits here are shallow).
			err = fetch("+refs/heads/*:"+mirrorBranches+"*", math.MaxInt32)
			if err == nil {
				err = repo.Storer.SetReference(plumbing.NewHashReference(keep, h))
			}
			removeRefs(repo, mirrorBranches)
		}
		if err != nil {
			return fail(err)
		}
	}
	c, err := peel(repo, h)
	if err != nil {
		_ = repo.Storer.RemoveReference(keep)
		return st.used.Load(), &refNotFoundError{ref: sha, url: safe}
	}
	if !checked {
		if err := checkComplete(repo, c); err != nil {
			_ = repo.Storer.RemoveReference(keep)
			return st.used.Load(), fmt.Errorf("fetch %s from %s: %w: %w", sha[:12], safe, ErrMirrorIncomplete, err)
		}
	}
	return st.used.Load(), nil
}

// errIncremental says no incremental fetch was made.
var errIncremental = errors.New("no incremental fetch")

// hasMirrorRefs reports whether the repository keeps a commit FetchCommit fetched.
func hasMirrorRefs(repo *git.Repository) bool {
	it, err := repo.References()
	if err != nil {
		return false
	}
	found := false
	_ = it.ForEach(func(r *plumbing.Reference) error {
		if strings.HasPrefix(r.Name().String(), MirrorRefPrefix) {
			found = true
			return storer.ErrStop
		}
		return nil
	})
	return found
}

// removeTempObjects removes what a fetch cut short left in the objects of dir.
func removeTempObjects(dir string) {
	packs := filepath.Join(dir, "objects", "pack")
	entries, _ := os.ReadDir(packs)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "tmp_") {
			_ = os.Remove(filepath.Join(packs, e.Name()))
		}
	}
}

// removeRefs removes the refs under prefix; what fails to go is only a have offered.
func removeRefs(repo *git.Repository, prefix string) {
	it, err := repo.References()
	if err != nil {
		return
	}
	var names []plumbing.ReferenceName
	_ = it.ForEach(func(r *plumbing.Reference) error {
		if strings.HasPrefix(r.Name().String(), prefix) {
			names = append(names, r.Name())
		}
		return nil
	})
	for _, n := range names {
		_ = repo.Storer.RemoveReference(n)
	}
}

// TrimMirrorRefs keeps the newest keep refs FetchCommit left in the bare repository at
// dir (by the time of their files) and removes the others: their objects stay, only
// fewer of them are offered as haves. The caller holds the repository's lock.
func TrimMirrorRefs(dir string, keep int) error {
	refDir := filepath.Join(dir, filepath.FromSlash(MirrorRefPrefix))
	entries, err := os.ReadDir(refDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("list the kept commits of %s: %w", dir, err)
	}
	if len(entries) <= keep {
		return nil
	}
	type ref struct {
		name string
		mod  int64
	}
	refs := make([]ref, 0, len(entries))
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			continue
		}
		refs = append(refs, ref{e.Name(), fi.ModTime().UnixNano()})
	}
	slices.SortFunc(refs, func(a, b ref) int { return cmp.Compare(a.mod, b.mod) }) // oldest first
	for _, r := range refs[:max(0, len(refs)-keep)] {
		if err := os.Remove(filepath.Join(refDir, r.name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove kept commit %s of %s: %w", r.name, dir, err)
		}
	}
	return nil
}
