package gitcache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
)

// repairAll runs at start, before any job: it repairs (or removes) each repository a
// killed process was changing, removes the records of work trees that no process
// uses any more and those checkouts, and loads each repository's size and last use.
func (c *Cache) repairAll() error {
	names, err := os.ReadDir(c.repos)
	if err != nil {
		return fmt.Errorf("read git cache %s: %w", c.dir, err)
	}
	keys := map[string]bool{}
	for _, n := range names {
		name := n.Name()
		ext := filepath.Ext(name)
		key := strings.TrimSuffix(name, ext)
		if !validKey(key) || (ext != ".git" && ext != fetchingExt && ext != usedExt) {
			c.log.Warn("git cache: removing what is not its own", "path", filepath.Join(c.repos, name))
			if err := os.RemoveAll(filepath.Join(c.repos, name)); err != nil {
				return fmt.Errorf("clean git cache %s: %w", c.dir, err)
			}
			continue
		}
		keys[key] = true
	}
	// The checkouts and idle work trees a killed process left (records aside: a
	// process killed while moving one left its record pointing elsewhere).
	for _, pattern := range []string{c.checkoutPattern(), c.idlePattern()} {
		dirs, _ := filepath.Glob(filepath.Join(c.work, pattern))
		for _, d := range dirs {
			c.removeCheckout(d)
		}
	}
	for key := range keys {
		e := &entry{key: key, sem: make(chan struct{}, 1)}
		dirs, err := gitrepo.PruneWorktrees(c.bare(key))
		if err != nil {
			c.log.Warn("git cache: cannot prune work tree records; removing the repository", "key", key, "error", err)
			if err := c.remove(key); err != nil {
				return err
			}
			continue
		}
		for _, d := range dirs {
			c.removeCheckout(d)
		}
		if err := c.repair(key); err != nil {
			return err
		}
		if _, err := os.Stat(c.bare(key)); err != nil {
			_ = os.Remove(c.usedFile(key))
			continue
		}
		e.size = diskUsage(c.bare(key))
		e.used = lastUse(c.usedFile(key), c.bare(key))
		if b, err := os.ReadFile(c.usedFile(key)); err == nil {
			lines := strings.Split(string(b)+"\n", "\n")
			e.url, e.name = strings.TrimSpace(lines[0]), strings.TrimSpace(lines[1])
			if len(lines) > 2 {
				e.scope = strings.TrimSpace(lines[2])
			}
		}
		c.entries[key] = e
	}
	return nil
}

// repair repairs or removes key's repository if a fetch into it never finished (its
// marker is there). The caller holds the repository's lock, or runs before any job.
func (c *Cache) repair(key string) error {
	if _, err := os.Stat(c.marker(key)); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	bare := c.bare(key)
	if _, err := os.Stat(bare); err == nil {
		if err := gitrepo.RepairMirror(bare); err != nil {
			c.log.Warn("git cache: a fetch did not finish and the repository cannot be repaired; removing it", "key", key, "error", err)
			return c.remove(key)
		}
		c.log.Info("git cache: repaired a repository whose fetch did not finish", "key", key)
	}
	if err := os.Remove(c.marker(key)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("git cache: remove %s: %w", c.marker(key), err)
	}
	return nil
}

// remove removes key's repository and its idle work trees, its marker last: a removal
// cut short is finished by the next start.
func (c *Cache) remove(key string) error {
	c.dropIdle(key)
	if err := os.WriteFile(c.marker(key), nil, 0o640); err != nil {
		return fmt.Errorf("git cache: mark %s: %w", key, err)
	}
	if err := os.RemoveAll(c.bare(key)); err != nil {
		return fmt.Errorf("git cache: remove repository %s: %w", c.bare(key), err)
	}
	_ = os.Remove(c.usedFile(key))
	if err := os.Remove(c.marker(key)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("git cache: remove %s: %w", c.marker(key), err)
	}
	return nil
}

// removeCheckout removes the directory of a checkout or idle work tree a killed
// process left, if it is one this cache makes (a directory of the work directory,
// named as checkouts or its idle trees are).
func (c *Cache) removeCheckout(dir string) {
	if filepath.Dir(dir) != c.work {
		return
	}
	ok, _ := filepath.Match(checkoutGlob, filepath.Base(dir))
	idle, _ := filepath.Match(c.idlePattern(), filepath.Base(dir))
	if !ok && !idle {
		return
	}
	if err := os.RemoveAll(dir); err != nil {
		c.log.Warn("git cache: cannot remove a checkout left behind", "dir", dir, "error", err)
	}
}

// lastUse is the time of the used file, else of the repository.
func lastUse(paths ...string) time.Time {
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil {
			return fi.ModTime()
		}
	}
	return time.Time{}
}
