package bot

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	commitOne = "1111111111111111111111111111111111111111"
	commitTwo = "2222222222222222222222222222222222222222"
)

// TestIndexFileRoundTrip writes an index and reads it back into an empty one: the
// images, the commit each repository was read at, and the failures come back; no
// temporary file is left beside it.
func TestIndexFileRoundTrip(t *testing.T) {
	x := NewImageIndex()
	x.SetAt(repoA, commitOne, []string{imgX, imgY})
	x.SetAt(repoB, commitTwo, nil) // read, nothing automated: still remembered
	x.Failed(repoC)                // never read
	x.SetAt(RepoRef{Installation: 3, Owner: "o", Name: "d"}, commitOne, []string{imgZ})
	x.Failed(RepoRef{Installation: 3, Owner: "o", Name: "d"}) // read once, failed since
	dir := t.TempDir()
	path := filepath.Join(dir, IndexFileName)
	if err := writeIndexFile(path, x, time.Now()); err != nil {
		t.Fatal(err)
	}
	y := NewImageIndex()
	loaded, skipped, err := readIndexFile(path, y)
	if err != nil || loaded != 4 || skipped != 0 {
		t.Fatalf("read: %d loaded, %d skipped, %v", loaded, skipped, err)
	}
	if !reflect.DeepEqual(x.entries(), y.entries()) {
		t.Fatalf("read back\n%+v\nwant\n%+v", y.entries(), x.entries())
	}
	if got := y.Repos(imgX); !reflect.DeepEqual(got, []RepoRef{repoA}) {
		t.Fatalf("repositories of %s: %v", imgX, got)
	}
	if y.Head(repoB) != commitTwo || y.Head(repoC) != "" {
		t.Fatalf("heads: %q %q", y.Head(repoB), y.Head(repoC))
	}
	names, _ := os.ReadDir(dir)
	if len(names) != 1 {
		t.Fatalf("files beside the index: %v", names)
	}
}

// TestIndexFileUntrusted: a file that cannot be trusted as a whole is an error and
// nothing of it is read; entries that make no sense are skipped, the others read.
func TestIndexFileUntrusted(t *testing.T) {
	for _, tc := range []struct {
		name            string
		content         string                  // "" : no file
		make            func(path string) error // instead of content
		wantErr         string
		loaded, skipped int
	}{
		{name: "no file"},
		{name: "not JSON", content: "{\"version\": 1, \"repositories\": [", wantErr: "unexpected end"},
		{name: "empty", content: " ", wantErr: "unexpected end"},
		{name: "another version", content: `{"version": 2, "repositories": [{"installation": 1, "repository": "acme/a"}]}`, wantErr: "version 2"},
		{name: "no version", content: `{"repositories": []}`, wantErr: "version 0"},
		{name: "wrong types", content: `{"version": 1, "repositories": {"a": 1}}`, wantErr: "cannot unmarshal"},
		{name: "too large", content: `{"version": 1, "pad": "` + strings.Repeat("x", maxIndexFileBytes) + `"}`, wantErr: "larger than"},
		{name: "a named pipe (no writer)", make: func(p string) error { return syscall.Mkfifo(p, 0o600) }, wantErr: "not a regular file"},
		{name: "a link to /dev/zero", make: func(p string) error { return os.Symlink("/dev/zero", p) }, wantErr: "outside"},
		{name: "bad entries skipped", content: `{"version": 1, "repositories": [
			{"installation": 1, "repository": "acme/a", "head": "` + commitOne + `", "images": ["ghcr.io/acme/x"]},
			{"installation": 0, "repository": "acme/b"},
			{"installation": 1, "repository": "no-slash"},
			{"installation": 1, "repository": "a/b/c"},
			{"installation": 1, "repository": "acme/c", "head": "main"},
			{"installation": 1, "repository": "acme/d", "head": "ABCDEF1111111111111111111111111111111111"}]}`, loaded: 1, skipped: 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), IndexFileName)
			if tc.content != "" {
				if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if tc.make != nil {
				if err := tc.make(path); err != nil {
					t.Fatal(err)
				}
			}
			x := NewImageIndex()
			loaded, skipped, err := readIndexFile(path, x)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
			if loaded != tc.loaded || skipped != tc.skipped {
				t.Fatalf("%d loaded, %d skipped; want %d, %d", loaded, skipped, tc.loaded, tc.skipped)
			}
			if err != nil && len(x.Known()) > 0 {
				t.Fatalf("an untrusted file filled the index: %v", x.Known())
			}
		})
	}
}

// headBumper is a fakeBumper that also tells default branches' commits, and counts
// what it was asked.
type headBumper struct {
	fakeBumper
	hmu      sync.Mutex
	heads    map[RepoRef]string
	headFail bool
	asked    []string // the known commit of each call
}

func (h *headBumper) DefaultHead(_ context.Context, r RepoRef, known string) (string, error) {
	h.hmu.Lock()
	defer h.hmu.Unlock()
	h.asked = append(h.asked, known)
	if h.headFail {
		return "", io.ErrUnexpectedEOF
	}
	return h.heads[r], nil
}

func (h *headBumper) reads() []RepoRef {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := append([]RepoRef(nil), h.imageRead...)
	sortRepos(out)
	h.imageRead = nil
	return out
}

// TestBuildIndexReadsOnlyWhatMoved restarts a scheduler on the same index file: the
// second build reads only the repositories whose default branch moved (or that were
// never read, or failed at a commit since moved), forgets those no longer installed,
// and registry events reach what the file knew before the build.
func TestBuildIndexReadsOnlyWhatMoved(t *testing.T) {
	repoD := RepoRef{Installation: 2, Owner: "other", Name: "d"}
	file := filepath.Join(t.TempDir(), IndexFileName)
	b := &headBumper{fakeBumper: fakeBumper{images: map[RepoRef][]string{repoA: {imgX}, repoB: {imgY}, repoC: {imgX, imgZ}, repoD: {imgZ}},
		failRepo: map[RepoRef]bool{repoD: true}},
		heads: map[RepoRef]string{repoA: commitOne, repoB: commitOne, repoC: commitOne, repoD: commitOne}}
	installed := []RepoRef{repoA, repoB, repoC, repoD}
	var logs bytes.Buffer
	start := func() *BumpScheduler {
		a, err := NewBumpScheduler(BumpSchedulerConfig{Bumper: b, Registry: &countingRegistry{}, IndexFile: file,
			Repos: func(context.Context) ([]RepoRef, error) { return installed, nil },
			Log:   slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	for _, step := range []struct {
		name   string
		before func()
		reads  []RepoRef
		check  func(t *testing.T, a *BumpScheduler)
	}{
		{name: "first start reads everything", reads: []RepoRef{repoA, repoB, repoC, repoD}},
		{name: "restart, nothing moved: only the failed one", reads: []RepoRef{repoD}},
		{name: "restart after B moved and D was mended", before: func() {
			b.heads[repoB] = commitTwo
			delete(b.failRepo, repoD)
		}, reads: []RepoRef{repoB, repoD}},
		{name: "restart after C was uninstalled", before: func() { installed = []RepoRef{repoA, repoB, repoD} }, check: func(t *testing.T, a *BumpScheduler) {
			if got := a.Index().Repos(imgX); !reflect.DeepEqual(got, []RepoRef{repoA}) {
				t.Fatalf("repositories of %s: %v", imgX, got)
			}
		}},
		{name: "restart, heads cannot be learnt: everything read", before: func() { b.headFail = true }, reads: []RepoRef{repoA, repoB, repoD}},
	} {
		t.Run(step.name, func(t *testing.T) {
			if step.before != nil {
				step.before()
			}
			a := start()
			if err := a.BuildIndex(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := b.reads(); !reflect.DeepEqual(got, step.reads) {
				t.Fatalf("read %v, want %v\n%s", got, step.reads, logs.String())
			}
			if step.check != nil {
				step.check(t, a)
			}
		})
	}
}

// TestIndexLoadedBeforeTheBuild: registry events served while the build reads
// reach the repositories the saved index knew; a corrupt file is logged and every
// repository read.
func TestIndexLoadedBeforeTheBuild(t *testing.T) {
	file := filepath.Join(t.TempDir(), IndexFileName)
	saved := NewImageIndex()
	saved.SetAt(repoA, commitOne, []string{imgX})
	if err := writeIndexFile(file, saved, time.Now()); err != nil {
		t.Fatal(err)
	}
	b := &headBumper{fakeBumper: fakeBumper{images: map[RepoRef][]string{repoA: {imgX}}}, heads: map[RepoRef]string{repoA: commitOne}}
	listed := make(chan struct{})
	release := make(chan struct{})
	a, err := NewBumpScheduler(BumpSchedulerConfig{Bumper: b, Registry: &countingRegistry{}, IndexFile: file,
		Repos: func(context.Context) ([]RepoRef, error) { close(listed); <-release; return []RepoRef{repoA}, nil },
		Log:   slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- a.BuildIndex(context.Background()) }()
	<-listed
	if got := a.Index().Repos(imgX); !reflect.DeepEqual(got, []RepoRef{repoA}) {
		t.Fatalf("during the build, repositories of %s: %v", imgX, got)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := b.reads(); len(got) != 0 {
		t.Fatalf("read %v, want nothing (unchanged)", got)
	}

	if err := os.WriteFile(file, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	a, err = NewBumpScheduler(BumpSchedulerConfig{Bumper: b, Registry: &countingRegistry{}, IndexFile: file,
		Repos: func(context.Context) ([]RepoRef, error) { return []RepoRef{repoA}, nil },
		Log:   slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.BuildIndex(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := b.reads(); !reflect.DeepEqual(got, []RepoRef{repoA}) || !strings.Contains(logs.String(), "saved image index is ignored") {
		t.Fatalf("after a corrupt file: read %v; log:\n%s", got, logs.String())
	}
	y := NewImageIndex()
	if n, _, err := readIndexFile(file, y); err != nil || n != 1 {
		t.Fatalf("the build did not save over the corrupt file: %d, %v", n, err)
	}
}
