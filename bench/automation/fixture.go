package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images/imagestest"
)

// fixture is the registry's images and the repositories' manifests.
type fixture struct {
	host   string
	images []string // image repositories, canonical
	repos  []bot.RepoRef
	files  map[bot.RepoRef][]images.File
	uses   map[string][]bot.RepoRef // image → the repositories that reference it
	tags   int
}

// imageName is the path of image i in the registry.
func imageName(i int) string { return fmt.Sprintf("bench/img-%03d", i) }

// tagName is the i-th tag: 1.0.0, 1.0.1, ... (semver, so the policy orders them).
func tagName(i int) string { return fmt.Sprintf("1.%d.%d", i/10, i%10) }

// newFixture spreads repos over insts installations; repository r references
// perRepo images (r*perRepo+j mod nImages), each an automated Deployment on the
// oldest tag, so every image is used by repos*perRepo/nImages repositories.
func newFixture(host string, repos, insts, nImages, perRepo, tags int) *fixture {
	f := &fixture{host: host, files: map[bot.RepoRef][]images.File{}, uses: map[string][]bot.RepoRef{}, tags: tags}
	for i := range nImages {
		f.images = append(f.images, host+"/"+imageName(i))
	}
	for r := range repos {
		ref := bot.RepoRef{Installation: int64(r%insts + 1), Owner: fmt.Sprintf("org-%03d", r%insts), Name: fmt.Sprintf("repo-%04d", r)}
		f.repos = append(f.repos, ref)
		var b strings.Builder
		for j := range perRepo {
			im := (r*perRepo + j) % nImages
			b.WriteString(imagestest.AutomatedDeployment(fmt.Sprintf("app-%d", j), f.images[im]+":"+tagName(0)))
			f.uses[f.images[im]] = append(f.uses[f.images[im]], ref)
		}
		f.files[ref] = []images.File{{Path: "deploy/apps.yaml", Data: []byte(b.String())}}
	}
	return f
}

// populate pushes every image under every tag, concurrency at a time.
func (f *fixture) populate(ctx context.Context, concurrency int) error {
	img, err := imagestest.Image(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return err
	}
	tags := make([]string, f.tags)
	for i := range tags {
		tags[i] = tagName(i)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		work  = make(chan int)
	)
	for range concurrency {
		wg.Go(func() {
			for i := range work {
				if err := imagestest.PushTags(ctx, f.host, imageName(i), img, tags...); err != nil {
					mu.Lock()
					first = err
					mu.Unlock()
				}
			}
		})
	}
	for i := range f.images {
		work <- i
	}
	close(work)
	wg.Wait()
	return first
}

// references is the number of (repository, image) pairs: what naive scanning lists.
func (f *fixture) references() int {
	n := 0
	for _, rs := range f.uses {
		n += len(rs)
	}
	return n
}
