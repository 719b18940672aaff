package main

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
)

// memoryAutomation is a bot.Bumper over in-memory repositories: Images and
// Bump scan their manifests with pkg/images, and Bump checks the images through the
// lister it is given, exactly as the GitHubBumper does, then stops short of git and GitHub.
type memoryAutomation struct {
	files map[bot.RepoRef][]images.File

	mu      sync.Mutex
	bumped  map[bot.RepoRef]int
	updates atomic.Int64
}

func newMemoryAutomation(f *fixture) *memoryAutomation {
	return &memoryAutomation{files: f.files, bumped: map[bot.RepoRef]int{}}
}

func (m *memoryAutomation) scan(r bot.RepoRef) ([]images.Image, []error) {
	return images.Scan(m.files[r], nil)
}

func (m *memoryAutomation) Images(_ context.Context, r bot.RepoRef) ([]string, error) {
	imgs, _ := m.scan(r)
	return automated(imgs), nil
}

func (m *memoryAutomation) Bump(ctx context.Context, r bot.RepoRef, only []string, tags images.TagLister) (*bot.BumpResult, error) {
	imgs, errs := m.scan(r)
	res := &bot.BumpResult{Images: automated(imgs)}
	if only != nil {
		want := map[string]bool{}
		for _, o := range only {
			want[o] = true
		}
		var keep []images.Image
		for _, im := range imgs {
			if want[im.Ref.Name()] {
				keep = append(keep, im)
			}
		}
		imgs = keep
	}
	results := (&images.Checker{Lister: tags, OnlyAutomated: true, Concurrency: 1}).Check(ctx, imgs)
	updates, uerrs := images.Updates(results)
	res.Problems = images.Problems(append(errs, uerrs...), results)
	m.updates.Add(int64(len(updates)))
	m.mu.Lock()
	m.bumped[r]++
	m.mu.Unlock()
	return res, nil
}

// reset zeroes the counts and returns the repositories bumped since the last reset.
func (m *memoryAutomation) reset() stepCounts {
	m.mu.Lock()
	defer m.mu.Unlock()
	repos := len(m.bumped)
	m.bumped = map[bot.RepoRef]int{}
	return stepCounts{repos: repos, updates: m.updates.Swap(0)}
}

func automated(imgs []images.Image) []string {
	seen := map[string]bool{}
	var out []string
	for _, im := range imgs {
		if im.Automated && im.Err == nil && !seen[im.Ref.Name()] {
			seen[im.Ref.Name()] = true
			out = append(out, im.Ref.Name())
		}
	}
	sort.Strings(out)
	return out
}
