// Package parallel runs work over indexes with bounded concurrency.
package parallel

import (
	"context"
	"sync"
)

// ForEach calls fn(ctx, i) for i in [0, n) with at most limit calls at once, and
// returns when all have returned. It does not stop on errors: fn records its own
// outcome, so one failing item never blocks the others. Items not yet started when
// ctx is cancelled are not started.
func ForEach(ctx context.Context, n, limit int, fn func(ctx context.Context, i int)) {
	if limit < 1 {
		limit = 1
	}
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case sem <- struct{}{}:
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(ctx, i)
		}()
	}
	wg.Wait()
}
