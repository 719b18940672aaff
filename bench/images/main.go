// Command images measures registry scanning: a first scan (tag-list pages only), a
// repeat scan inside the cache window (answered from the disk cache), and the naive
// approach Flux v1 took (a manifest request per tag), in one run against one local
// registry. It prints figures; it asserts nothing.
//
//	go run ./bench/images                        # Debian's docker-registry via hack/registry.sh
//	go run ./bench/images -registry memory       # go-containerregistry's in-memory registry
//	go run ./bench/images -repos 100 -tags 50    # smaller
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/internal/benchmain"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images/imagestest"
)

func main() {
	var (
		repos       = flag.Int("repos", 1000, "repositories")
		tags        = flag.Int("tags", 200, "tags per repository")
		registry    = flag.String("registry", "debian", "debian (Debian's docker-registry on loopback) or memory (in-process)")
		concurrency = flag.Int("concurrency", 8, "repositories asked at once (scan and naive alike)")
	)
	flag.Parse()
	// SIGINT and SIGTERM stop the registry this started before the benchmark exits.
	benchmain.Main("bench", func(ctx context.Context) error { return run(ctx, *registry, *repos, *tags, *concurrency) })
}

func run(ctx context.Context, kind string, nRepos, nTags, concurrency int) error {
	host, stop, err := startRegistry(ctx, kind)
	if err != nil {
		return err
	}
	defer stop()

	fmt.Printf("registry: %s (%s), %d repositories × %d tags, concurrency %d\n", kind, host, nRepos, nTags, concurrency)
	start := time.Now()
	if err := populate(ctx, host, nRepos, nTags, concurrency); err != nil {
		return err
	}
	fmt.Printf("populated in %s\n\n", time.Since(start).Round(time.Millisecond))

	files := manifests(host, nRepos)
	imgs, errs := images.Scan(files, nil)
	if len(errs) > 0 {
		return fmt.Errorf("scan: %v", errs[0])
	}
	cacheDir, err := os.MkdirTemp("", "bench-images-cache-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(cacheDir)

	first, err := scan(ctx, imgs, cacheDir, concurrency, nRepos)
	if err != nil {
		return err
	}
	repeat, err := scan(ctx, imgs, cacheDir, concurrency, nRepos) // a new process: new client, same disk cache
	if err != nil {
		return err
	}
	naive, err := naiveScan(ctx, host, nRepos, concurrency)
	if err != nil {
		return err
	}

	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "scan\trequests\ttime\tupdates found\t")
	fmt.Fprintf(w, "first scan (tag lists only)\t%d\t%s\t%d\t\n", first.requests, first.elapsed.Round(time.Millisecond), first.updates)
	fmt.Fprintf(w, "repeat scan (cache window)\t%d\t%s\t%d\t\n", repeat.requests, repeat.elapsed.Round(time.Millisecond), repeat.updates)
	fmt.Fprintf(w, "naive (manifest GET per tag)\t%d\t%s\t-\t\n", naive.requests, naive.elapsed.Round(time.Millisecond))
	w.Flush()
	fmt.Printf("\nnaive / first scan: %.0f× the requests, %.1f× the time\n",
		float64(naive.requests)/float64(max(first.requests, 1)), naive.elapsed.Seconds()/first.elapsed.Seconds())
	fmt.Printf("first scan: %d tag-list pages + %d ping(s)\n", first.pages, first.requests-first.pages)
	return nil
}

type figures struct {
	requests, pages int64
	elapsed         time.Duration
	updates         int
}

// scan runs Check over every image with a fresh Registry and a Cache on cacheDir.
func scan(ctx context.Context, imgs []images.Image, cacheDir string, concurrency, nRepos int) (figures, error) {
	counter := &countingTransport{base: http.DefaultTransport}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := images.NewRegistry(images.WithRateLimit(0, 0), images.WithHTTPTransport(counter), images.WithLogger(logger))
	checker := &images.Checker{Lister: images.NewCache(reg, time.Hour, images.CacheDir(cacheDir)), Concurrency: concurrency, Logger: logger}
	start := time.Now()
	results := checker.Check(ctx, imgs)
	elapsed := time.Since(start)
	updates, uerrs := images.Updates(results)
	for _, r := range results {
		if r.Status == images.StatusError {
			return figures{}, fmt.Errorf("%s: %s", r.Where(), r.Error)
		}
	}
	if len(uerrs) > 0 {
		return figures{}, uerrs[0]
	}
	if len(updates) != nRepos {
		return figures{}, fmt.Errorf("found %d updates, want %d", len(updates), nRepos)
	}
	return figures{requests: reg.Requests(), pages: counter.pages.Load(), elapsed: elapsed, updates: len(updates)}, nil
}

// naiveScan lists each repository's tags, then GETs every tag's manifest, as Flux v1
// did to order tags by creation time.
func naiveScan(ctx context.Context, host string, nRepos, concurrency int) (figures, error) {
	counter := &countingTransport{base: http.DefaultTransport}
	client := &http.Client{Transport: counter}
	reg := images.NewRegistry(images.WithRateLimit(0, 0), images.WithHTTPTransport(counter), images.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	start := time.Now()
	err := parallel(nRepos, concurrency, func(i int) error {
		repoName := fmt.Sprintf("%s/bench/app-%04d", host, i)
		ref, err := images.ParseReference(repoName)
		if err != nil {
			return err
		}
		tags, err := reg.ListTags(ctx, ref.Repo())
		if err != nil {
			return err
		}
		for _, tag := range tags {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://%s/v2/bench/app-%04d/manifests/%s", host, i, tag), nil)
			if err != nil {
				return err
			}
			req.Header.Set("Accept", "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json")
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("GET manifest %s:%s: %s", repoName, tag, resp.Status)
			}
		}
		return nil
	})
	return figures{requests: counter.requests.Load(), elapsed: time.Since(start)}, err
}

// manifests is one automated Deployment per repository, on the oldest tag.
func manifests(host string, nRepos int) []images.File {
	var b strings.Builder
	for i := 0; i < nRepos; i++ {
		b.WriteString(imagestest.AutomatedDeployment(fmt.Sprintf("app-%04d", i), fmt.Sprintf("%s/bench/app-%04d:1.0.0", host, i)))
	}
	return []images.File{{Path: "bench.yaml", Data: []byte(b.String())}}
}

func populate(ctx context.Context, host string, nRepos, nTags, concurrency int) error {
	img, err := imagestest.Image(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return err
	}
	tags := make([]string, nTags)
	for i := range tags {
		tags[i] = fmt.Sprintf("1.%d.%d", i/10, i%10)
	}
	return parallel(nRepos, concurrency, func(i int) error {
		return imagestest.PushTags(ctx, host, fmt.Sprintf("bench/app-%04d", i), img, tags...)
	})
}

func startRegistry(ctx context.Context, kind string) (string, func(), error) {
	switch kind {
	case "memory":
		s := imagestest.NewRegistry()
		return s.Host(), s.Close, nil
	case "debian":
		dir, err := os.MkdirTemp("", "bench-images-registry-*")
		if err != nil {
			return "", nil, err
		}
		reg, err := imagestest.StartDebianRegistry(ctx, dir)
		if err != nil {
			os.RemoveAll(dir)
			return "", nil, err
		}
		return reg.Host, func() { reg.Stop(); os.RemoveAll(dir) }, nil
	}
	return "", nil, fmt.Errorf("-registry %q: want debian or memory", kind)
}

func parallel(n, workers int, f func(i int) error) error {
	var (
		wg    sync.WaitGroup
		next  atomic.Int64
		mu    sync.Mutex
		first error
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// countingTransport counts answered requests, and tag-list pages among them.
type countingTransport struct {
	base            http.RoundTripper
	requests, pages atomic.Int64
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(req)
	if err == nil {
		c.requests.Add(1)
		if strings.HasSuffix(req.URL.Path, "/tags/list") {
			c.pages.Add(1)
		}
	}
	return resp, err
}
