package gitrepo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// RepairMirror makes the bare repository at dir usable again after a process was
// killed while fetching into it: it removes temporary packs and objects, lock files,
// and packs without their index (or an index without its pack), then checks that every
// ref names an object the repository holds. An error means the repository cannot be
// trusted: remove it. The caller holds the repository's lock.
func RepairMirror(dir string) error {
	for _, f := range []string{"HEAD", "objects", "refs"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return fmt.Errorf("git cache repository %s is incomplete: %w", dir, err)
		}
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && d.IsDir() && d.Name() == worktreesDir && filepath.Dir(p) == dir {
			return filepath.SkipDir // PruneWorktrees' business
		}
		if d.IsDir() {
			return nil
		}
		n := d.Name()
		if strings.HasSuffix(n, ".lock") || strings.HasPrefix(n, "tmp_") {
			return os.Remove(p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("repair git cache repository %s: %w", dir, err)
	}
	packs := filepath.Join(dir, "objects", "pack")
	entries, err := os.ReadDir(packs)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("repair git cache repository %s: %w", dir, err)
	}
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
	}
	for n := range names {
		base, ext := strings.TrimSuffix(n, filepath.Ext(n)), filepath.Ext(n)
		if ext == ".pack" && !names[base+".idx"] || ext == ".idx" && !names[base+".pack"] {
			if err := os.Remove(filepath.Join(packs, n)); err != nil {
				return fmt.Errorf("repair git cache repository %s: %w", dir, err)
			}
		}
	}

	repo, err := git.PlainOpen(dir)
	if err != nil {
		return fmt.Errorf("open git cache repository %s: %w", dir, err)
	}
	it, err := repo.References()
	if err != nil {
		return fmt.Errorf("read the refs of %s: %w", dir, err)
	}
	return it.ForEach(func(r *plumbing.Reference) error {
		if r.Type() != plumbing.HashReference {
			return nil
		}
		c, err := peel(repo, r.Hash())
		if err == nil {
			var commit *object.Commit
			if commit, err = repo.CommitObject(c); err == nil {
				_, err = commit.Tree()
			}
		}
		if err != nil {
			return fmt.Errorf("git cache repository %s: ref %s: %w", dir, r.Name(), err)
		}
		return nil
	})
}
