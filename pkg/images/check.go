package images

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
)

// Status is what a check found for one image.
type Status string

const (
	StatusUpToDate Status = "up-to-date"   // the current tag is the newest allowed
	StatusUpdate   Status = "update"       // a newer allowed tag exists and will be set
	StatusNewer    Status = "newer"        // a newer allowed tag exists; not automated or locked
	StatusManual   Status = "manual"       // no policy: never updated automatically
	StatusLocked   Status = "locked"       // fluxcd.io/locked (with Checker.OnlyAutomated)
	StatusExcluded Status = "excluded"     // by the include/exclude image globs
	StatusPinned   Status = "pinned"       // by digest: not updated automatically
	StatusNoTag    Status = "no-candidate" // the registry has no tag the policy allows
	StatusSkipped  Status = "skipped"      // registry scanning is disabled
	StatusError    Status = "error"        // bad input, or the registry failed
)

// Result is the check of one image.
type Result struct {
	Image
	// Latest is the newest tag the policy allows (empty without a policy or candidates).
	Latest string `json:"latest,omitempty"`
	Status Status `json:"status"`
	Error  string `json:"error,omitempty"`
}

// Checker asks registries for the tags of scanned images and decides, per image, the
// newest tag its policy allows. One registry failing fails only its images.
type Checker struct {
	// Lister reads tag lists (wrap a Registry in a Cache). Required unless scanning is disabled.
	Lister TagLister
	// Created tells image ages for policies with a minimum age; defaults to Lister when
	// it implements CreatedLookup.
	Created CreatedLookup
	// Filter selects the repositories to scan (nil: DefaultExclude).
	Filter *ImageFilter
	// Concurrency bounds the repositories asked at once (default 8).
	Concurrency int
	// DisableScanning asks no registry; automated images are reported as skipped.
	DisableScanning bool
	// OnlyAutomated asks registries only for images that would be updated: images with
	// a policy that are not automated are reported as manual, locked ones as locked.
	OnlyAutomated bool
	// Now is the clock for minimum ages (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// Check returns one Result per image, in the order given.
func (c *Checker) Check(ctx context.Context, imgs []Image) []Result {
	filter := c.Filter
	if filter == nil {
		filter, _ = NewImageFilter(nil, nil)
	}
	logger := c.Logger
	if logger == nil {
		logger = slog.Default()
	}
	results := make([]Result, len(imgs))
	want := map[string]name.Repository{}
	for i, im := range imgs {
		r := Result{Image: im}
		switch {
		case im.Err != nil:
			r.Status, r.Error = StatusError, im.Err.Error()
		case im.policy == nil:
			r.Status = StatusManual
		case c.OnlyAutomated && !im.Automated:
			r.Status = StatusManual
		case c.OnlyAutomated && im.Locked:
			r.Status = StatusLocked
		case !filter.Allows(im.Ref):
			r.Status = StatusExcluded
		case im.Automated && im.Ref.Digest != "":
			r.Status = StatusPinned
		case c.DisableScanning:
			r.Status = StatusSkipped
		default:
			want[im.Ref.Name()] = im.Ref.Repo()
		}
		results[i] = r
	}
	tags, errs := c.listAll(ctx, want, logger)
	ages := &ageCache{lookup: c.created(), m: map[string]ageAnswer{}}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	for i := range results {
		r := &results[i]
		if r.Status != "" {
			continue
		}
		key := r.Ref.Name()
		if err := errs[key]; err != nil {
			r.Status, r.Error = StatusError, err.Error()
			continue
		}
		latest, err := c.choose(ctx, &r.Image, tags[key], ages, now())
		switch {
		case err != nil:
			r.Status, r.Error = StatusError, err.Error()
		case latest == "":
			r.Status = StatusNoTag
		case latest == r.Ref.Tag:
			r.Status, r.Latest = StatusUpToDate, latest
		case r.Automated && !r.Locked:
			r.Status, r.Latest = StatusUpdate, latest
		default:
			r.Status, r.Latest = StatusNewer, latest
		}
	}
	return results
}

// choose returns the newest allowed tag, never older than the current one, and at
// least MinAge old when the policy asks for an age.
func (c *Checker) choose(ctx context.Context, im *Image, tags []string, ages *ageCache, now time.Time) (string, error) {
	all := tags
	if im.Ref.Tag != "" {
		all = append(append([]string(nil), tags...), im.Ref.Tag) // never move backwards
	}
	cands := im.policy.Candidates(all)
	minAge := im.MinAge()
	for _, t := range cands {
		if minAge <= 0 || t == im.Ref.Tag {
			return t, nil
		}
		created, err := ages.get(ctx, im.Ref.Repo(), t)
		if err != nil {
			return "", fmt.Errorf("minimum age of policy %q: %w", im.Policy, err)
		}
		if now.Sub(created) >= minAge {
			return t, nil
		}
	}
	return "", nil
}

func (c *Checker) created() CreatedLookup {
	if c.Created != nil {
		return c.Created
	}
	if cl, ok := c.Lister.(CreatedLookup); ok {
		return cl
	}
	return nil
}

// listAll asks for each repository's tags with bounded concurrency.
func (c *Checker) listAll(ctx context.Context, repos map[string]name.Repository, logger *slog.Logger) (map[string][]string, map[string]error) {
	tags := map[string][]string{}
	errs := map[string]error{}
	if len(repos) == 0 {
		return tags, errs
	}
	if c.Lister == nil {
		for k := range repos {
			errs[k] = errors.New("no registry client configured")
		}
		return tags, errs
	}
	keys := make([]string, 0, len(repos))
	for k := range repos {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	n := c.Concurrency
	if n <= 0 {
		n = 8
	}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		work = make(chan string)
	)
	for w := 0; w < min(n, len(keys)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range work {
				t, err := c.Lister.ListTags(ctx, repos[k])
				mu.Lock()
				if err != nil {
					logger.Warn("cannot list tags", "repository", k, "error", err)
					errs[k] = err
				} else {
					tags[k] = t
				}
				mu.Unlock()
			}
		}()
	}
	for _, k := range keys {
		work <- k
	}
	close(work)
	wg.Wait()
	return tags, errs
}

type ageAnswer struct {
	t   time.Time
	err error
}

// ageCache asks for each repo:tag's creation time at most once per check.
type ageCache struct {
	lookup CreatedLookup
	mu     sync.Mutex
	m      map[string]ageAnswer
}

func (a *ageCache) get(ctx context.Context, repo name.Repository, tag string) (time.Time, error) {
	if a.lookup == nil {
		return time.Time{}, errors.New("the registry client cannot tell image ages")
	}
	key := repo.Name() + ":" + tag
	a.mu.Lock()
	ans, ok := a.m[key]
	a.mu.Unlock()
	if ok {
		return ans.t, ans.err
	}
	t, err := a.lookup.Created(ctx, repo, tag)
	a.mu.Lock()
	a.m[key] = ageAnswer{t, err}
	a.mu.Unlock()
	return t, err
}
