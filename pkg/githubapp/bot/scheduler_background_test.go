package bot

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/webhook"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
)

// gatedBumper reads a repository's images only when the test lets it: each read
// says it started on reading, then waits for release.
type gatedBumper struct {
	reading chan RepoRef
	release chan struct{}
}

func (g *gatedBumper) Images(ctx context.Context, r RepoRef) ([]string, error) {
	g.reading <- r
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return []string{"ghcr.io/acme/" + r.Name}, nil
}

func (g *gatedBumper) Bump(context.Context, RepoRef, []string, images.TagLister) (*BumpResult, error) {
	return &BumpResult{}, nil
}

// TestBuildIndexInTheBackground builds the index of 50 repositories through a
// queue of one worker: a webhook's job pushed during the build starts as soon as the
// repository being read is done, and the metrics follow the build.
func TestBuildIndexInTheBackground(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	q := NewQueue(ctx, 10, 1, log, QueueMetrics{})
	var mu sync.Mutex
	var order []string
	q.onStart = func(j Job) { mu.Lock(); order = append(order, j.Kind); mu.Unlock() }
	var repos []RepoRef
	for i := range 50 {
		repos = append(repos, RepoRef{Installation: int64(1 + i%5), Owner: "acme", Name: fmt.Sprint("r", i)})
	}
	g := &gatedBumper{reading: make(chan RepoRef), release: make(chan struct{})}
	reg := prometheus.NewRegistry()
	m := NewSchedulerMetrics(reg)
	a, err := NewBumpScheduler(BumpSchedulerConfig{Bumper: g, Registry: &countingRegistry{}, Push: q.Push, Background: q.PushBackground,
		Concurrency: 4, Repos: func(context.Context) ([]RepoRef, error) { return repos, nil }, Log: log, Metrics: m})
	must(t, err)
	built := make(chan error, 1)
	go func() { built <- a.BuildIndex(ctx) }()

	<-g.reading // the first repository is being read
	if read, listed, age := gaugeValue(reg, "gitops_bot_automation_index_build_read_repositories"), gaugeValue(reg, "gitops_bot_automation_index_build_listed_repositories"), gaugeValue(reg, "gitops_bot_automation_index_age_seconds"); read != 0 || listed != 50 || age != -1 {
		t.Fatalf("during the build: read %v of %v, age %v; want 0 of 50, -1", read, listed, age)
	}
	planned := make(chan struct{})
	must(t, q.Push(Job{Key: "acme/r7#1", Kind: "pull_request", Installation: 3, Run: func(context.Context) error { close(planned); return nil }}))
	g.release <- struct{}{}
	select {
	case <-planned:
	case r := <-g.reading:
		t.Fatalf("the index read %s before the queued pull request's job", r.FullName())
	case <-time.After(10 * time.Second):
		t.Fatal("the pull request's job did not start")
	}
	go func() {
		for range g.reading {
			g.release <- struct{}{}
		}
	}()
	must(t, <-built)
	close(g.reading)
	mu.Lock()
	if order[0] != "index" || order[1] != "pull_request" {
		t.Errorf("start order %v, want one index job then the pull request", order[:2])
	}
	mu.Unlock()
	if read, listed, age := gaugeValue(reg, "gitops_bot_automation_index_build_read_repositories"), gaugeValue(reg, "gitops_bot_automation_index_build_listed_repositories"), gaugeValue(reg, "gitops_bot_automation_index_age_seconds"); read != 50 || listed != 50 || age < 0 {
		t.Fatalf("after the build: read %v of %v, age %v; want 50 of 50, >= 0", read, listed, age)
	}
	if nr, _ := a.Index().Size(); nr != 50 {
		t.Fatalf("%d repositories indexed, want 50", nr)
	}
	must(t, q.Shutdown(ctx))
}

// TestBuildIndexStopsWithTheQueue checks that a build whose queue shuts down ends
// (its jobs dropped), and does not count as complete.
func TestBuildIndexStopsWithTheQueue(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	q := NewQueue(ctx, 10, 1, log, QueueMetrics{})
	repos := []RepoRef{repoA, repoB, repoC}
	g := &gatedBumper{reading: make(chan RepoRef), release: make(chan struct{})}
	reg := prometheus.NewRegistry()
	m := NewSchedulerMetrics(reg)
	a, err := NewBumpScheduler(BumpSchedulerConfig{Bumper: g, Registry: &countingRegistry{}, Push: q.Push, Background: q.PushBackground,
		Concurrency: 3, Repos: func(context.Context) ([]RepoRef, error) { return repos, nil }, Log: log, Metrics: m})
	must(t, err)
	built := make(chan error, 1)
	go func() { built <- a.BuildIndex(ctx) }()
	<-g.reading
	shut := make(chan error, 1)
	go func() { shut <- q.Shutdown(ctx) }()
	for closed := false; !closed; {
		time.Sleep(time.Millisecond)
		q.mu.Lock()
		closed = q.closed
		q.mu.Unlock()
	}
	g.release <- struct{}{}
	must(t, <-shut)
	select {
	case err := <-built:
		must(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the index build did not end with its queue")
	}
	if read, age := gaugeValue(reg, "gitops_bot_automation_index_build_read_repositories"), gaugeValue(reg, "gitops_bot_automation_index_age_seconds"); read != 1 || age != -1 {
		t.Fatalf("read %v, age %v; want 1, -1 (not complete)", read, age)
	}
}

// gaugeValue is the value of the gauge name on reg (-2 when it has none).
func gaugeValue(reg *prometheus.Registry, name string) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		return -2
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return -2
}

// TestInstallationIndexInTheBackground checks that with Background, an installation
// event's job only queues a background job per repository added.
func TestInstallationIndexInTheBackground(t *testing.T) {
	fa := &fakeBumper{images: map[RepoRef][]string{repoA: {imgX}, repoB: {imgY}}}
	fg, bg := &jobList{}, &jobList{}
	a, err := NewBumpScheduler(BumpSchedulerConfig{Bumper: fa, Registry: &countingRegistry{}, Push: fg.push, Background: bg.push,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	must(t, err)
	j := a.indexJob(webhook.Event{Name: "installation", Delivery: "d1", Installation: 1}, []RepoRef{repoA, repoB})
	must(t, j.Run(context.Background()))
	if len(fa.imageRead) != 0 {
		t.Fatalf("the installation's job read %v itself", fa.imageRead)
	}
	if keys := bg.runAll(t); fmt.Sprint(keys) != "[acme/a:index-added acme/b:index-added]" {
		t.Fatalf("background jobs %v", keys)
	}
	if got := a.Index().Repos(imgY); fmt.Sprint(got) != fmt.Sprint([]RepoRef{repoB}) {
		t.Fatalf("index of %s: %v", imgY, got)
	}
}
