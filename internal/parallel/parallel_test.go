package parallel

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestForEach(t *testing.T) {
	tests := []struct{ n, limit int }{{0, 4}, {1, 4}, {10, 1}, {100, 8}, {5, 0}}
	for _, tt := range tests {
		var (
			mu             sync.Mutex
			seen           = map[int]int{}
			running, inUse atomic.Int64
		)
		ForEach(context.Background(), tt.n, tt.limit, func(_ context.Context, i int) {
			r := running.Add(1)
			for {
				m := inUse.Load()
				if r <= m || inUse.CompareAndSwap(m, r) {
					break
				}
			}
			time.Sleep(time.Millisecond)
			running.Add(-1)
			mu.Lock()
			seen[i]++
			mu.Unlock()
		})
		if len(seen) != tt.n {
			t.Errorf("n=%d: %d items called", tt.n, len(seen))
		}
		for i, c := range seen {
			if c != 1 {
				t.Errorf("n=%d: item %d called %d times", tt.n, i, c)
			}
		}
		if got := inUse.Load(); got > int64(max(tt.limit, 1)) {
			t.Errorf("n=%d limit=%d: %d calls at once", tt.n, tt.limit, got)
		}
	}
}

func TestForEachCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int64
	ForEach(ctx, 100, 2, func(_ context.Context, i int) {
		if calls.Add(1) == 3 {
			cancel()
		}
	})
	if n := calls.Load(); n > 4 {
		t.Errorf("%d items started after the context was cancelled at the 3rd", n)
	}
}
