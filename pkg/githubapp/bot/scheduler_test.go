package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/webhook"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/registryevent"
)

// fakeBumper is a Bumper over a table of repository → images. Bump
// lists the tags of each image it is asked for through the lister it is given.
type fakeBumper struct {
	mu        sync.Mutex
	images    map[RepoRef][]string
	failRepo  map[RepoRef]bool
	imageRead []RepoRef
	bumps     []string // "owner/name only=[...]" in call order
}

func (f *fakeBumper) Images(_ context.Context, r RepoRef) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.imageRead = append(f.imageRead, r)
	if f.failRepo[r] {
		return nil, fmt.Errorf("clone %s: boom", r.FullName())
	}
	return f.images[r], nil
}

func (f *fakeBumper) Bump(ctx context.Context, r RepoRef, only []string, tags images.TagLister) (*BumpResult, error) {
	f.mu.Lock()
	f.bumps = append(f.bumps, fmt.Sprintf("%s only=%v", r.FullName(), only))
	imgs, fail := f.images[r], f.failRepo[r]
	f.mu.Unlock()
	if fail {
		return nil, fmt.Errorf("push to %s: boom", r.FullName())
	}
	res := &BumpResult{Images: imgs}
	want := only
	if want == nil {
		want = imgs
	}
	for _, im := range want {
		repo, err := name.NewRepository(im)
		if err != nil {
			return nil, err
		}
		if _, err := tags.ListTags(ctx, repo); err != nil {
			res.Problems = append(res.Problems, images.Problem{File: "deploy.yaml", Line: 3, Image: im, Message: err.Error()})
		}
	}
	return res, nil
}

func (f *fakeBumper) bumpCalls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := append([]string(nil), f.bumps...)
	sort.Strings(out)
	return out
}

// countingRegistry answers tag lists from a table and counts them per image.
type countingRegistry struct {
	mu     sync.Mutex
	counts map[string]int
	fail   map[string]bool
}

func (c *countingRegistry) ListTags(_ context.Context, repo name.Repository) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = map[string]int{}
	}
	c.counts[repo.Name()]++
	if c.fail[repo.Name()] {
		return nil, fmt.Errorf("list tags of %s: 503", repo.Name())
	}
	return []string{"1.0.0", "1.1.0"}, nil
}

func (c *countingRegistry) count() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.counts {
		out[k] = v
	}
	return out
}

var (
	repoA = RepoRef{Installation: 1, Owner: "acme", Name: "a"}
	repoB = RepoRef{Installation: 1, Owner: "acme", Name: "b"}
	repoC = RepoRef{Installation: 2, Owner: "other", Name: "c"}
)

const (
	imgX = "ghcr.io/acme/x"
	imgY = "ghcr.io/acme/y"
	imgZ = "index.docker.io/library/nginx"
)

// jobList is a fake queue: it keeps the jobs pushed, or refuses when full.
type jobList struct {
	mu   sync.Mutex
	jobs []Job
	full bool
}

func (q *jobList) push(j Job) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.full {
		return ErrQueueFull
	}
	q.jobs = append(q.jobs, j)
	return nil
}

func (q *jobList) runAll(t *testing.T) (keys []string) {
	t.Helper()
	q.mu.Lock()
	jobs := q.jobs
	q.jobs = nil
	q.mu.Unlock()
	for _, j := range jobs {
		keys = append(keys, j.Key)
		if err := j.Run(context.Background()); err != nil {
			t.Logf("job %s: %v", j.Key, err)
		}
	}
	return keys
}

func newTestScheduler(t *testing.T, fa *fakeBumper, reg images.TagLister, q *jobList) *BumpScheduler {
	t.Helper()
	a, err := NewBumpScheduler(BumpSchedulerConfig{
		Bumper: fa, Registry: reg, Push: q.push, Concurrency: 3,
		Repos: func(context.Context) ([]RepoRef, error) { return []RepoRef{repoA, repoB, repoC}, nil },
		Log:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestImageIndex(t *testing.T) {
	x := NewImageIndex()
	x.Set(repoA, []string{imgX, imgY, imgX})
	x.Set(repoB, []string{imgX})
	x.Set(repoC, []string{"nginx"}) // canonical: index.docker.io/library/nginx
	tests := []struct {
		name  string
		image string
		want  []RepoRef
	}{
		{"shared image", imgX, []RepoRef{repoA, repoB}},
		{"one repository", imgY, []RepoRef{repoA}},
		{"short Docker Hub name", "nginx", []RepoRef{repoC}},
		{"canonical Docker Hub name", imgZ, []RepoRef{repoC}},
		{"unknown image", "ghcr.io/acme/none", []RepoRef{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := x.Repos(tt.image); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Repos(%s) = %v, want %v", tt.image, got, tt.want)
			}
		})
	}
	x.Set(repoA, []string{imgY}) // a push dropped x
	if got := x.Repos(imgX); !reflect.DeepEqual(got, []RepoRef{repoB}) {
		t.Errorf("after repo a dropped x: %v", got)
	}
	x.RemoveInstallation(1)
	if got := x.Automated(); !reflect.DeepEqual(got, []RepoRef{repoC}) {
		t.Errorf("after installation 1 left: %v", got)
	}
	x.Failed(repoA)
	x.Set(repoC, nil)
	if r, i := x.Size(); r != 0 || i != 0 {
		t.Errorf("size %d repositories, %d images; want empty", r, i)
	}
	if got := x.FailedRepos(); !reflect.DeepEqual(got, []RepoRef{repoA}) {
		t.Errorf("failed: %v", got)
	}
}

func TestImagesPushed(t *testing.T) {
	fa := &fakeBumper{images: map[RepoRef][]string{repoA: {imgX, imgY}, repoB: {imgX}, repoC: {imgZ}}}
	reg := &countingRegistry{}
	q := &jobList{}
	a := newTestScheduler(t, fa, reg, q)
	must(t, a.BuildIndex(context.Background()))

	t.Run("only the repositories using the image, once each, one tag list", func(t *testing.T) {
		must(t, a.ImagesPushed(context.Background(), []registryevent.Event{
			{Repository: imgX, Tag: "1.1.0", Format: "distribution"},
			{Repository: imgX, Tag: "1.1.0", Format: "distribution"}, // the same event twice
			{Repository: "ghcr.io/acme/unused", Tag: "2"},
		}))
		keys := q.runAll(t)
		if want := []string{"acme/a:images", "acme/b:images"}; !reflect.DeepEqual(keys, want) {
			t.Errorf("jobs %v, want %v", keys, want)
		}
		if got, want := fa.bumpCalls(), []string{"acme/a only=[ghcr.io/acme/x]", "acme/b only=[ghcr.io/acme/x]"}; !reflect.DeepEqual(got, want) {
			t.Errorf("bumps %v, want %v", got, want)
		}
		if got := reg.count(); !reflect.DeepEqual(got, map[string]int{imgX: 1}) {
			t.Errorf("tag lists %v, want one of %s shared by both repositories", got, imgX)
		}
	})

	t.Run("a waiting bump takes the newer event's images: one job", func(t *testing.T) {
		fa.bumps = nil
		must(t, a.ImagesPushed(context.Background(), []registryevent.Event{{Repository: imgX, Tag: "1.2.0"}}))
		must(t, a.ImagesPushed(context.Background(), []registryevent.Event{{Repository: imgY, Tag: "3"}}))
		keys := q.runAll(t)
		if want := []string{"acme/a:images", "acme/b:images"}; !reflect.DeepEqual(keys, want) {
			t.Errorf("jobs %v, want %v", keys, want)
		}
		if got, want := fa.bumpCalls(), []string{"acme/a only=[ghcr.io/acme/x ghcr.io/acme/y]", "acme/b only=[ghcr.io/acme/x]"}; !reflect.DeepEqual(got, want) {
			t.Errorf("bumps %v, want %v", got, want)
		}
	})

	t.Run("a full queue is ErrQueueFull, and nothing stays pending", func(t *testing.T) {
		fa.bumps = nil
		q.full = true
		err := a.ImagesPushed(context.Background(), []registryevent.Event{{Repository: "nginx", Tag: "1.27"}})
		if !errors.Is(err, ErrQueueFull) {
			t.Fatalf("err %v, want ErrQueueFull", err)
		}
		q.full = false
		must(t, a.ImagesPushed(context.Background(), []registryevent.Event{{Repository: "nginx", Tag: "1.27"}})) // redelivered
		if keys := q.runAll(t); !reflect.DeepEqual(keys, []string{"other/c:images"}) {
			t.Errorf("jobs after redelivery %v", keys)
		}
	})
}

func TestScan(t *testing.T) {
	repoD := RepoRef{Installation: 3, Owner: "d", Name: "d"}
	fa := &fakeBumper{
		images:   map[RepoRef][]string{repoA: {imgX, imgY}, repoB: {imgX, imgZ}, repoC: {imgZ}, repoD: {imgX}},
		failRepo: map[RepoRef]bool{repoD: true},
	}
	reg := &countingRegistry{fail: map[string]bool{imgY: true}}
	q := &jobList{}
	a, err := NewBumpScheduler(BumpSchedulerConfig{Bumper: fa, Registry: reg, Push: q.push, Concurrency: 2,
		Repos: func(context.Context) ([]RepoRef, error) { return []RepoRef{repoA, repoB, repoC, repoD}, nil },
		Log:   slog.New(slog.NewTextHandler(io.Discard, nil))})
	must(t, err)
	must(t, a.BuildIndex(context.Background()))
	if got := a.Index().FailedRepos(); !reflect.DeepEqual(got, []RepoRef{repoD}) {
		t.Fatalf("failed index reads %v, want d", got)
	}
	// d can be read now: the scan reads its images again first, then bumps it too.
	fa.mu.Lock()
	delete(fa.failRepo, repoD)
	fa.mu.Unlock()
	rep := a.Scan(context.Background())
	if rep.Repos != 4 || rep.Failed != 0 || rep.TagLists != 3 || rep.Problems != 1 {
		t.Errorf("report %+v, want 4 repositories, 3 tag lists, 1 problem (y's registry fails)", rep)
	}
	if got := reg.count(); !reflect.DeepEqual(got, map[string]int{imgX: 1, imgY: 1, imgZ: 1}) {
		t.Errorf("tag lists %v, want each image once", got)
	}
	if got := fa.bumpCalls(); len(got) != 4 || !strings.HasSuffix(got[0], "only=[]") {
		t.Errorf("bumps %v, want every repository, all its images", got)
	}

	fa.bumps = nil
	fa.mu.Lock()
	fa.failRepo[repoB] = true
	fa.mu.Unlock()
	rep = a.Scan(context.Background())
	if rep.Failed != 1 || len(fa.bumpCalls()) != 4 {
		t.Errorf("report %+v, bumps %v: want b to fail alone", rep, fa.bumpCalls())
	}
}

func TestBumpSchedulerRoutes(t *testing.T) {
	fa := &fakeBumper{images: map[RepoRef][]string{repoA: {imgX}}}
	q := &jobList{}
	a := newTestScheduler(t, fa, &countingRegistry{}, q)
	var baseRan []string
	h := Routes{"installation_repositories": func(ev webhook.Event) (Job, bool) {
		return Job{Key: "installation/" + ev.Delivery, Kind: ev.Name, Run: func(context.Context) error { baseRan = append(baseRan, ev.Delivery); return nil }}, true
	}}
	must(t, a.addRoutes(h))
	run := func(name string, payload any) bool {
		t.Helper()
		j, ok := h[name](webhook.Event{Delivery: "d-" + name, Name: name, Payload: payload, Installation: 1})
		if ok {
			must(t, j.Run(context.Background()))
		}
		return ok
	}
	push := func(ref, def string, deleted bool) *github.PushEvent {
		return &github.PushEvent{Ref: github.String(ref), Deleted: github.Bool(deleted),
			Repo: &github.PushEventRepository{FullName: github.String("acme/a"), DefaultBranch: github.String(def)}}
	}
	tests := []struct {
		name    string
		payload *github.PushEvent
		want    bool
	}{
		{"push to another branch", push("refs/heads/feature", "main", false), false},
		{"tag pushed", push("refs/tags/main", "main", false), false},
		{"default branch deleted", push("refs/heads/main", "main", true), false},
		{"push to the default branch", push("refs/heads/main", "main", false), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run("push", tt.payload); got != tt.want {
				t.Errorf("handled %v, want %v", got, tt.want)
			}
		})
	}
	if got := a.Index().Repos(imgX); !reflect.DeepEqual(got, []RepoRef{repoA}) {
		t.Errorf("after a default-branch push: %v", got)
	}
	if len(fa.bumps) != 0 {
		t.Errorf("a push bumped without BumpOnPush: %v", fa.bumps)
	}

	fa.images[repoB] = []string{imgY}
	run("installation_repositories", &github.InstallationRepositoriesEvent{Installation: &github.Installation{ID: github.Int64(1)},
		RepositoriesAdded:   []*github.Repository{{FullName: github.String("acme/b")}},
		RepositoriesRemoved: []*github.Repository{{FullName: github.String("acme/a")}}})
	if got := a.Index().Automated(); !reflect.DeepEqual(got, []RepoRef{repoB}) {
		t.Errorf("after a added, b removed: %v", got)
	}
	if !reflect.DeepEqual(baseRan, []string{"d-installation_repositories"}) {
		t.Errorf("the tracker's own handler did not run: %v", baseRan)
	}
	run("installation", &github.InstallationEvent{Action: github.String("deleted"), Installation: &github.Installation{ID: github.Int64(1)}})
	if r, _ := a.Index().Size(); r != 0 {
		t.Errorf("after the installation was deleted: %v", a.Index().Automated())
	}
}

func TestSharedTags(t *testing.T) {
	reg := &countingRegistry{fail: map[string]bool{imgY: true}}
	s := NewSharedTags(reg, nil)
	var wg sync.WaitGroup
	for range 20 {
		for _, im := range []string{imgX, imgY} {
			wg.Go(func() {
				repo, _ := name.NewRepository(im)
				tags, err := s.ListTags(context.Background(), repo)
				if (err != nil) != (im == imgY) || (err == nil && len(tags) != 2) {
					t.Errorf("%s: %v %v", im, tags, err)
				}
			})
		}
	}
	wg.Wait()
	if got := reg.count(); !reflect.DeepEqual(got, map[string]int{imgX: 1, imgY: 1}) {
		t.Errorf("inner listings %v, want one per image, a failure too", got)
	}
	if s.Listings() != 2 || s.Failures() != 1 {
		t.Errorf("listings %d failures %d", s.Listings(), s.Failures())
	}
}

func TestBumpOnPush(t *testing.T) {
	fa := &fakeBumper{images: map[RepoRef][]string{repoA: {imgX}}}
	reg := &countingRegistry{}
	a, err := NewBumpScheduler(BumpSchedulerConfig{Bumper: fa, Registry: reg, BumpOnPush: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	must(t, err)
	ev := webhook.Event{Delivery: "1", Name: "push", Installation: 1, Payload: &github.PushEvent{Ref: github.String("refs/heads/main"),
		Repo: &github.PushEventRepository{FullName: github.String("acme/a"), DefaultBranch: github.String("main")}}}
	h := Routes{}
	must(t, a.addRoutes(h))
	j, ok := h["push"](ev)
	if !ok {
		t.Fatal("a push to the default branch was ignored")
	}
	must(t, j.Run(context.Background()))
	if got := fa.bumpCalls(); !reflect.DeepEqual(got, []string{"acme/a only=[]"}) {
		t.Errorf("bumps %v, want one of every image of acme/a", got)
	}
	if got := reg.count(); !reflect.DeepEqual(got, map[string]int{imgX: 1}) {
		t.Errorf("tag lists %v", got)
	}
}
