package parallel

import (
	"context"
	"sync"
	"sync/atomic"
)

// ForEach calls fn(ctx, i) for i in [0, n) with at most limit calls at once, and
// returns when all have returned. It does not stop on errors: fn records its own
// outcome, so one failing item never blocks the others. Items not yet started when
// ctx is cancelled are not started. The calls run on limit long-lived goroutines, not
// one goroutine per item (whose stacks would grow again for every item).
func ForEach(ctx context.Context, n, limit int, fn func(ctx context.Context, i int)) {
	limit = max(1, min(limit, n))
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for w := 0; w < limit; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(ctx, i)
			}
		}()
	}
	wg.Wait()
}
