package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images/imagestest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/registryevent"
)

type config struct {
	repos, installations, images, perRepo, tags, pageSize, concurrency int
	automation                                                         string
}

// automations make the ImageAutomation the benchmark drives, by -automation name. The
// real Bumper goes here once it exists: git remotes and the fake GitHub for f.repos.
var automations = map[string]func(f *fixture) bot.ImageAutomation{
	"memory": func(f *fixture) bot.ImageAutomation { return newMemoryAutomation(f) },
}

func main() {
	var c config
	flag.IntVar(&c.repos, "repos", 1000, "git repositories")
	flag.IntVar(&c.installations, "installations", 100, "App installations the repositories are spread over")
	flag.IntVar(&c.images, "images", 200, "image repositories in the registry")
	flag.IntVar(&c.perRepo, "images-per-repo", 5, "images each git repository references")
	flag.IntVar(&c.tags, "tags", 100, "tags per image")
	flag.IntVar(&c.pageSize, "page-size", 50, "tags per tag-list page (n=): tags/page-size pages per image")
	flag.IntVar(&c.concurrency, "concurrency", 8, "repositories bumped at once (scan, naive scan and event jobs alike)")
	flag.StringVar(&c.automation, "automation", "memory", "the ImageAutomation: memory (pkg/images scan and check on in-memory manifests, no pull requests)")
	flag.Parse()
	if c.repos < 1 || c.installations < 1 || c.images < 1 || c.perRepo < 1 || c.tags < 2 || c.pageSize < 1 || c.concurrency < 1 || c.perRepo > c.images {
		fmt.Fprintln(os.Stderr, "automation: every count must be at least 1 (-tags at least 2, -images-per-repo at most -images)")
		os.Exit(2)
	}
	if automations[c.automation] == nil {
		fmt.Fprintf(os.Stderr, "automation: unknown -automation %q\n", c.automation)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "automation:", err)
		os.Exit(1)
	}
}

func status(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// figures are one measured step's requests to the registry.
type figures struct {
	name                       string
	tagLists, manifests, other int
	elapsed                    time.Duration
	repos                      int
	updates                    int64
	computed                   bool
}

func (f figures) total() int { return f.tagLists + f.manifests + f.other }

// measure resets the registry's counters, runs step and reads them.
func measure(reg *imagestest.Server, ma *memoryAutomation, name string, step func() error) (figures, error) {
	reg.Reset()
	if ma != nil {
		ma.reset()
	}
	start := time.Now()
	if err := step(); err != nil {
		return figures{}, fmt.Errorf("%s: %w", name, err)
	}
	f := figures{name: name, elapsed: time.Since(start), tagLists: reg.Count("/tags/list"), manifests: reg.Count("/manifests/")}
	f.other = int(reg.Requests()) - f.tagLists - f.manifests
	if ma != nil {
		f.repos, f.updates = ma.reset()
	}
	return f, nil
}

func run(ctx context.Context, c config, out io.Writer) error {
	reg := imagestest.NewRegistry()
	defer reg.Close()
	f := newFixture(reg.Host(), c.repos, c.installations, c.images, c.perRepo, c.tags)
	status("pushing %d images × %d tags to %s", c.images, c.tags, reg.Host())
	if err := f.populate(ctx, c.concurrency); err != nil {
		return err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	newRegistry := func() *images.Registry {
		return images.NewRegistry(images.WithRateLimit(0, 0), images.WithPageSize(c.pageSize), images.WithLogger(quiet))
	}
	ia := automations[c.automation](f)
	ma, _ := ia.(*memoryAutomation)
	queue := bot.NewQueue(ctx, c.repos, c.concurrency, quiet, bot.QueueMetrics{})
	auto, err := bot.NewAutomator(bot.AutomatorConfig{
		Automation: ia, Registry: newRegistry(), Push: queue.Push, Concurrency: c.concurrency, Log: quiet,
		Repos: func(context.Context) ([]bot.RepoRef, error) { return f.repos, nil },
	})
	if err != nil {
		return err
	}

	status("building the index of %d repositories", c.repos)
	index, err := measure(reg, ma, "index at start (git only)", func() error { return auto.BuildIndex(ctx) })
	if err != nil {
		return err
	}
	if n, i := auto.Index().Size(); n != c.repos || i != c.images {
		return fmt.Errorf("index holds %d repositories and %d images, want %d and %d", n, i, c.repos, c.images)
	}

	status("periodic scan")
	var rep bot.ScanReport
	scan, err := measure(reg, ma, "periodic scan", func() error {
		rep = auto.Scan(ctx)
		if rep.Failed > 0 || rep.Problems > 0 {
			return fmt.Errorf("%d repositories failed, %d problems", rep.Failed, rep.Problems)
		}
		return nil
	})
	if err != nil {
		return err
	}

	// A new tag of one image, reported by its registry.
	image := f.images[0]
	img, err := imagestest.Image(time.Now())
	if err != nil {
		return err
	}
	newTag := "1.999.0"
	if err := imagestest.PushTags(ctx, f.host, imageName(0), img, newTag); err != nil {
		return err
	}
	status("registry event: %s:%s", image, newTag)
	event, err := measure(reg, ma, "registry event, one image", func() error {
		ev := registryevent.Event{Repository: image, Tag: newTag, Format: "distribution"}
		if err := auto.ImagesPushed(ctx, []registryevent.Event{ev, ev}); err != nil { // delivered twice
			return err
		}
		return queue.Shutdown(ctx) // waits for the queued bumps
	})
	if err != nil {
		return err
	}
	if event.repos != len(f.uses[image]) {
		return fmt.Errorf("the event bumped %d repositories, want the %d that use %s", event.repos, len(f.uses[image]), image)
	}

	status("naive scan: each repository lists its own images' tags")
	naiveReg := newRegistry()
	naive, err := measure(reg, ma, "naive scan: each repository lists its images", func() error {
		var firstErr error
		work := make(chan bot.RepoRef)
		done := make(chan error)
		for range c.concurrency {
			go func() {
				var err error
				for r := range work {
					if _, e := ia.Bump(ctx, r, nil, naiveReg); e != nil && err == nil {
						err = e
					}
				}
				done <- err
			}()
		}
		for _, r := range f.repos {
			work <- r
		}
		close(work)
		for range c.concurrency {
			if err := <-done; err != nil && firstErr == nil {
				firstErr = err
			}
		}
		return firstErr
	})
	if err != nil {
		return err
	}
	pages := func(tags int) int { // a full last page costs one more request to learn it is the last
		return tags/c.pageSize + 1
	}
	refs := f.references()
	flux := figures{name: "Flux v1: + a manifest GET per tag (counted, not run)", computed: true,
		tagLists: naive.tagLists, manifests: refs * c.tags}
	noIndex := naive
	noIndex.name = "registry event without an index (= the naive scan)"

	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(out, "\n%d repositories over %d installations, %d images (%d per repository, each used by %d), %d tags per image, %d per page; ImageAutomation: %s\n\n",
		c.repos, c.installations, c.images, c.perRepo, refs/c.images, c.tags, c.pageSize, c.automation)
	fmt.Fprintln(w, "step\ttag-list requests\tmanifest requests\tother\ttotal\ttime\trepositories bumped\tupdates found\t")
	for _, r := range []figures{index, scan, event, naive, noIndex, flux} {
		t := r.elapsed.Round(time.Millisecond).String()
		repos, updates := fmt.Sprint(r.repos), fmt.Sprint(r.updates)
		if r.computed {
			t, repos, updates = "-", "-", "-"
		}
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t\n", r.name, r.tagLists, r.manifests, r.other, r.total(), t, repos, updates)
	}
	w.Flush()
	ratio := func(a, b int) string { return fmt.Sprintf("%.0f×", float64(a)/float64(max(b, 1))) }
	fmt.Fprintf(out, "\nperiodic scan: %d tag lists (one per image) in %d requests, shared by %d repositories; %d manifest requests\n",
		rep.TagLists, scan.tagLists, rep.Repos, scan.manifests)
	fmt.Fprintf(out, "naive scan / scan: %s the tag-list requests, %.1f× the time\n", ratio(naive.tagLists, scan.tagLists), naive.elapsed.Seconds()/max(scan.elapsed.Seconds(), 1e-9))
	fmt.Fprintf(out, "Flux v1 / scan: %s the requests\n", ratio(flux.total(), scan.total()))
	fmt.Fprintf(out, "registry event: %d requests (%d tag-list pages of %s) for the %d repositories that use it; without the index: %s that\n",
		event.total(), event.tagLists, image, event.repos, ratio(noIndex.total(), event.total()))
	fmt.Fprintf(out, "expected: scan = %d images × %d pages = %d tag-list requests; event = %d (%d tags now)\n",
		c.images, pages(c.tags), c.images*pages(c.tags), pages(c.tags+1), c.tags+1)
	used := make([]string, 0, len(f.uses[image]))
	for _, r := range f.uses[image] {
		used = append(used, r.FullName())
	}
	sort.Strings(used)
	if len(used) > 4 {
		used = append(used[:4], "…")
	}
	fmt.Fprintf(out, "the event's repositories: %s\n", strings.Join(used, ", "))
	return nil
}
