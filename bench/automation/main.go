package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/internal/benchmain"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images/imagestest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/registryevent"
)

type config struct {
	repos, installations, images, perRepo, tags, pageSize, concurrency int
	automation                                                         string
}

// automation is a bot.Bumper the benchmark drives that counts what its Bumps did.
type automation interface {
	bot.Bumper
	// reset zeroes the counts and returns them.
	reset() stepCounts
}

// stepCounts are what one step's Bumps did.
type stepCounts struct {
	repos   int   // repositories bumped
	updates int64 // newer tags found
	// With git (the real GitHubBumper): pull requests opened and updated, and pushes the
	// git server received.
	opened, updated, pushes int
	git                     bool
}

// automations make the bot.Bumper the benchmark drives, by -automation name,
// and what to do when it is done.
var automations = map[string]func(ctx context.Context, f *fixture) (automation, func(), error){
	"memory": func(_ context.Context, f *fixture) (automation, func(), error) {
		return newMemoryAutomation(f), func() {}, nil
	},
	"bumper": func(ctx context.Context, f *fixture) (automation, func(), error) {
		b, err := newBumperAutomation(ctx, f)
		if err != nil {
			return nil, nil, err
		}
		return b, b.close, nil
	},
}

// bumperDefaults are the sizes -automation bumper uses for the flags not given: it
// clones, pushes and opens pull requests, so it gets a smaller fleet.
var bumperDefaults = map[string]string{"repos": "100", "installations": "10", "images": "20", "images-per-repo": "5"}

func main() {
	var c config
	flag.IntVar(&c.repos, "repos", 1000, "git repositories")
	flag.IntVar(&c.installations, "installations", 100, "App installations the repositories are spread over")
	flag.IntVar(&c.images, "images", 200, "image repositories in the registry")
	flag.IntVar(&c.perRepo, "images-per-repo", 5, "images each git repository references")
	flag.IntVar(&c.tags, "tags", 100, "tags per image")
	flag.IntVar(&c.pageSize, "page-size", 50, "tags per tag-list page (n=): tags/page-size pages per image")
	flag.IntVar(&c.concurrency, "concurrency", 8, "repositories bumped at once (scan, naive scan and event jobs alike)")
	flag.StringVar(&c.automation, "automation", "memory", "the bot.Bumper: memory (pkg/images scan and check on in-memory manifests, no pull requests), "+
		"or bumper (the real bot.GitHubBumper: bare git repositories over git http-backend, the fake GitHub, pull requests; default sizes "+
		"-repos 100 -installations 10 -images 20 -images-per-repo 5)")
	flag.Parse()
	if c.automation == "bumper" {
		set := map[string]bool{}
		flag.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
		for name, value := range bumperDefaults {
			if !set[name] {
				flag.Set(name, value)
			}
		}
	}
	if c.repos < 1 || c.installations < 1 || c.images < 1 || c.perRepo < 1 || c.tags < 2 || c.pageSize < 1 || c.concurrency < 1 || c.perRepo > c.images {
		fmt.Fprintln(os.Stderr, "automation: every count must be at least 1 (-tags at least 2, -images-per-repo at most -images)")
		os.Exit(2)
	}
	if automations[c.automation] == nil {
		fmt.Fprintf(os.Stderr, "automation: unknown -automation %q\n", c.automation)
		os.Exit(2)
	}
	benchmain.Main("automation", func(ctx context.Context) error { return run(ctx, c, os.Stdout) })
}

// status is benchmain.Status.
var status = benchmain.Status

// figures are one measured step's requests to the registry.
type figures struct {
	name                       string
	tagLists, manifests, other int
	elapsed                    time.Duration
	stepCounts
	computed bool
}

func (f figures) total() int { return f.tagLists + f.manifests + f.other }

// measure resets the registry's counters, runs step and reads them.
func measure(reg *imagestest.Server, ia automation, name string, step func() error) (figures, error) {
	reg.Reset()
	ia.reset()
	start := time.Now()
	if err := step(); err != nil {
		return figures{}, fmt.Errorf("%s: %w", name, err)
	}
	f := figures{name: name, elapsed: time.Since(start), tagLists: reg.Count("/tags/list"), manifests: reg.Count("/manifests/")}
	f.other = int(reg.Requests()) - f.tagLists - f.manifests
	f.stepCounts = ia.reset()
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
	// As the bot reaches registries: the loopback registry allowed as the operator
	// would allow it (--registry-private-host, --registry-insecure-host).
	guard, err := images.NewAddressGuard([]string{reg.Host()})
	if err != nil {
		return err
	}
	newRegistry := func() *images.Registry {
		return images.NewRegistry(images.WithRateLimit(0, 0), images.WithPageSize(c.pageSize), images.WithLogger(quiet),
			images.WithAddressGuard(guard), images.WithInsecureHosts(reg.Host()), images.WithPlainHTTPOnlyForInsecureHosts())
	}
	ia, done, err := automations[c.automation](ctx, f)
	if err != nil {
		return err
	}
	defer done()
	queue := bot.NewQueue(ctx, c.repos, c.concurrency, quiet, bot.QueueMetrics{})
	auto, err := bot.NewBumpScheduler(bot.BumpSchedulerConfig{
		Bumper: ia, Registry: newRegistry(), Push: queue.Push, Concurrency: c.concurrency, Log: quiet,
		Repos: func(context.Context) ([]bot.RepoRef, error) { return f.repos, nil },
	})
	if err != nil {
		return err
	}

	status("building the index of %d repositories", c.repos)
	index, err := measure(reg, ia, "index at start (git only)", func() error { return auto.BuildIndex(ctx) })
	if err != nil {
		return err
	}
	if n, i := auto.Index().Size(); n != c.repos || i != c.images {
		return fmt.Errorf("index holds %d repositories and %d images, want %d and %d", n, i, c.repos, c.images)
	}

	status("periodic scan")
	var rep bot.ScanReport
	scan, err := measure(reg, ia, "periodic scan", func() error {
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
	event, err := measure(reg, ia, "registry event, one image", func() error {
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
	if event.git && (event.opened != 0 || event.updated != event.repos) {
		return fmt.Errorf("the event opened %d pull requests and updated %d, want the %d of %s updated", event.opened, event.updated, event.repos, image)
	}

	status("naive scan: each repository lists its own images' tags")
	naiveReg := newRegistry()
	naive, err := measure(reg, ia, "naive scan: each repository lists its images", func() error {
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
	fmt.Fprintf(out, "\n%d repositories over %d installations, %d images (%d per repository, each used by %d), %d tags per image, %d per page; Bumper: %s\n\n",
		c.repos, c.installations, c.images, c.perRepo, refs/c.images, c.tags, c.pageSize, c.automation)
	header := "step\ttag-list requests\tmanifest requests\tother\ttotal\ttime\trepositories bumped\tupdates found\t"
	if scan.git {
		header += "pull requests opened\tpull requests updated\tgit pushes\t"
	}
	fmt.Fprintln(w, header)
	for _, r := range []figures{index, scan, event, naive, noIndex, flux} {
		t := r.elapsed.Round(time.Millisecond).String()
		counts := []any{r.repos, r.updates, r.opened, r.updated, r.pushes}
		if r.computed {
			t, counts = "-", []any{"-", "-", "-", "-", "-"}
		}
		if !scan.git {
			counts = counts[:2]
		}
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%s\t", r.name, r.tagLists, r.manifests, r.other, r.total(), t)
		for _, n := range counts {
			fmt.Fprintf(w, "%v\t", n)
		}
		fmt.Fprintln(w)
	}
	w.Flush()
	ratio := func(a, b int) string { return fmt.Sprintf("%.0f×", float64(a)/float64(max(b, 1))) }
	fmt.Fprintf(out, "\nperiodic scan: %d tag lists (one per image) in %d requests, shared by %d repositories; %d manifest requests\n",
		rep.TagLists, scan.tagLists, rep.Repos, scan.manifests)
	fmt.Fprintf(out, "naive scan / scan: %s the tag-list requests, %.1f× the time\n", ratio(naive.tagLists, scan.tagLists), naive.elapsed.Seconds()/max(scan.elapsed.Seconds(), 1e-9))
	if scan.git {
		fmt.Fprintln(out, "  (times not comparable: the scan opened the pull requests and pushed, the naive scan, after it, found them current)")
	}
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
	if b, ok := ia.(*bumperAutomation); ok {
		fmt.Fprintf(out, "open pull requests at the end: %d\n", b.openPullRequests(f))
	}
	return nil
}
