package githubapp

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// listing says what a paginated GitHub call is: its name in errors and retry logs,
// the hints that explain its failures, how many pages it may take, and how each page
// is retried.
type listing struct {
	// what names the listing, e.g. "list the pull requests of o/r"; errors start
	// with it (and name the page after the first: "… (page 2): …").
	what  string
	hints map[int]string
	// maxPages bounds the pages read (0: every page); a listing GitHub says goes on
	// beyond it fails with "<what>: more than <maxPages> pages".
	maxPages int
	// retry retries each page (nil: callAPI's defaults).
	retry *retryPolicy
}

// pageFunc fetches one page of a listing. page is 0 for the first call (no page
// parameter: GitHub's first page), then the NextPage GitHub named in its answer.
type pageFunc[T any] func(ctx context.Context, page int) ([]T, *github.Response, error)

// paginate is the one loop over GitHub's pages: it fetches page after page (each
// through the retry policy, its errors explained with l.hints) and hands each page's
// items to visit before the next page is asked for, until GitHub names no next page.
// An error of visit stops the listing and is returned as it is.
func paginate[T any](ctx context.Context, l listing, fetch pageFunc[T], visit func([]T) error) error {
	retry := defaultRetry()
	if l.retry != nil {
		retry = *l.retry
	}
	for page := 0; ; {
		what := l.what
		if page > 1 {
			what = fmt.Sprintf("%s (page %d)", l.what, page)
		}
		var (
			items []T
			resp  *github.Response
		)
		err := retry.call(ctx, what, l.hints, func(ctx context.Context) error {
			var err error
			items, resp, err = fetch(ctx, page)
			return err
		})
		if err != nil {
			return err
		}
		if err := visit(items); err != nil {
			return err
		}
		if resp == nil || resp.NextPage == 0 {
			return nil
		}
		if l.maxPages > 0 && resp.NextPage > l.maxPages {
			return fmt.Errorf("%s: more than %d pages", l.what, l.maxPages)
		}
		page = resp.NextPage
	}
}

// appendTo is a paginate visitor that collects every item in *out.
func appendTo[T any](out *[]T) func([]T) error {
	return func(items []T) error {
		*out = append(*out, items...)
		return nil
	}
}
