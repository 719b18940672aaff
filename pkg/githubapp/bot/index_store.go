package bot

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/repofile"
)

// IndexFileName is the image index's file in the git cache directory (--git-cache-dir),
// beside the cached repositories: what a restart reads before its first build.
const IndexFileName = "image-index.json"

// The index file's format and bounds.
const (
	indexFileVersion = 1
	// maxIndexFileBytes bounds what is read (and written): a file past it is ignored.
	maxIndexFileBytes = 64 << 20
	// maxIndexRepos bounds the repositories saved and loaded (10× the 1,000 the bot
	// is sized for, 100 times over).
	maxIndexRepos = 1_000_000
	// maxIndexImages bounds the images of one repository saved and loaded.
	maxIndexImages = 10_000
)

// indexFile is the index file's JSON: per repository, the default branch's commit it
// was last read at and the image repositories it automated then, or that it failed.
type indexFile struct {
	Version      int             `json:"version"`
	Saved        time.Time       `json:"saved"`
	Repositories []indexFileRepo `json:"repositories"`
}

type indexFileRepo struct {
	Installation int64    `json:"installation"`
	Repository   string   `json:"repository"` // owner/name
	Head         string   `json:"head,omitempty"`
	Images       []string `json:"images,omitempty"`
	Failed       bool     `json:"failed,omitempty"`
}

// readIndexFile reads the index file at path into x and returns the repositories it
// read. No file is no error (0). A file that cannot be trusted as a whole (unreadable,
// too large, not JSON, another version) is an error and nothing is read; an entry
// that makes no sense (no installation, a malformed name or commit) is skipped and
// counted in skipped.
func readIndexFile(path string, x *ImageIndex) (loaded, skipped int, err error) {
	// As a repository's file: a regular file within the bound (a named pipe or a link
	// to /dev/zero put there is an error, not a hung or exhausted start).
	b, err := repofile.ReadFile(filepath.Dir(path), filepath.Base(path), repofile.NewBudget(repofile.Limits{MaxFileBytes: maxIndexFileBytes, MaxTotalBytes: -1}))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("image index %s: %w", path, err)
	}
	var head struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return 0, 0, fmt.Errorf("image index %s: %w", path, err)
	}
	if head.Version != indexFileVersion {
		return 0, 0, fmt.Errorf("image index %s: version %d, this bot reads version %d", path, head.Version, indexFileVersion)
	}
	var file indexFile
	if err := json.Unmarshal(b, &file); err != nil {
		return 0, 0, fmt.Errorf("image index %s: %w", path, err)
	}
	if len(file.Repositories) > maxIndexRepos {
		return 0, 0, fmt.Errorf("image index %s: %d repositories, more than %d", path, len(file.Repositories), maxIndexRepos)
	}
	for _, e := range file.Repositories {
		r, ok := repoRef(e.Installation, e.Repository)
		if !ok || (e.Head != "" && !isCommitSHA(e.Head)) || len(e.Images) > maxIndexImages || strings.Count(e.Repository, "/") != 1 {
			skipped++
			continue
		}
		x.SetAt(r, e.Head, e.Images)
		if e.Failed {
			x.Failed(r)
		}
		loaded++
	}
	return loaded, skipped, nil
}

// writeIndexFile writes x to path atomically (a temporary file in the same directory,
// synced, then renamed over it), so a reader, or a restart after a crash, finds the
// old file or the new one, never a part.
func writeIndexFile(path string, x *ImageIndex, now time.Time) error {
	file := indexFile{Version: indexFileVersion, Saved: now.UTC(), Repositories: x.entries()}
	if len(file.Repositories) > maxIndexRepos {
		file.Repositories = file.Repositories[:maxIndexRepos]
	}
	b, err := json.Marshal(file)
	if err != nil {
		return fmt.Errorf("image index %s: %w", path, err)
	}
	if len(b) > maxIndexFileBytes {
		return fmt.Errorf("image index %s: %d bytes, more than %d: not saved", path, len(b), maxIndexFileBytes)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("image index %s: %w", path, err)
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("image index %s: %w", path, err)
	}
	return nil
}

// loadIndex reads IndexFile into the index, once, before the first build: the
// registry events served during that build reach the repositories it knew, and the
// build reads again only those whose default branch moved. A file that cannot be
// read is logged and left alone (the next save replaces it), never fatal.
func (a *BumpScheduler) loadIndex() {
	if a.cfg.IndexFile == "" {
		return
	}
	loaded, skipped, err := readIndexFile(a.cfg.IndexFile, a.index)
	if err != nil {
		a.cfg.Log.Warn("image automation: the saved image index is ignored: every repository is read", "error", err)
		return
	}
	if skipped > 0 {
		a.cfg.Log.Warn("image automation: entries of the saved image index ignored", "file", a.cfg.IndexFile, "ignored", skipped)
	}
	a.cfg.Metrics.index(a.index)
	nr, ni := a.index.Size()
	a.cfg.Log.Info("image automation: image index loaded", "file", a.cfg.IndexFile, "repositories", loaded, "automated", nr, "images", ni)
}

// saveIndex writes the index to IndexFile: at once with force, else when the last
// write is indexSaveInterval old. A failure is logged; the index in memory is intact.
func (a *BumpScheduler) saveIndex(force bool) {
	if a.cfg.IndexFile == "" {
		return
	}
	a.saveMu.Lock()
	defer a.saveMu.Unlock()
	now := time.Now()
	if !force && now.Sub(a.savedAt) < indexSaveInterval {
		return
	}
	a.savedAt = now
	if err := writeIndexFile(a.cfg.IndexFile, a.index, now); err != nil {
		a.cfg.Log.Warn("image automation: cannot save the image index (a restart reads every repository again)", "error", err)
	}
}

// entries are what x knows of each repository, sorted, for the file.
func (x *ImageIndex) entries() []indexFileRepo {
	x.mu.RLock()
	defer x.mu.RUnlock()
	known := x.known()
	out := make([]indexFileRepo, 0, len(known))
	for _, r := range known {
		imgs := x.byRepo[r]
		if len(imgs) > maxIndexImages {
			continue // read again at the next start rather than saved in part
		}
		out = append(out, indexFileRepo{Installation: r.Installation, Repository: r.FullName(), Head: x.heads[r],
			Images: imgs, Failed: x.failed[r]})
	}
	return out
}

// isCommitSHA reports whether s is a full, lower-case hex commit id (SHA-1 or SHA-256).
func isCommitSHA(s string) bool {
	return (len(s) == 40 || len(s) == 64) && strings.Trim(s, "0123456789abcdef") == ""
}
