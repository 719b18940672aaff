package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// qpush is one push of a lanes test: name labels the job (its Kind), key is its Key
// (name when empty).
type qpush struct {
	name, key string
	inst      int64
	bg        bool
}

func bgBurst(inst int64, name string, n int) []qpush {
	var out []qpush
	for i := 1; i <= n; i++ {
		out = append(out, qpush{name: fmt.Sprintf("%s%d", name, i), inst: inst, bg: true})
	}
	return out
}

// laneOrder runs a queue whose workers are all held by jobs (background ones when
// holdBg) until every push is done, then records the order in which the queue starts
// the pushed jobs, and the names of those dropped.
func laneOrder(t *testing.T, workers int, holdBg bool, pushes []qpush, opts ...QueueOption) (order []string, errs []error, dropped []string) {
	t.Helper()
	ctx := context.Background()
	q := NewQueue(ctx, 100, workers, slog.New(slog.DiscardHandler), QueueMetrics{}, append([]QueueOption{WithPerInstallation(100)}, opts...)...)
	var mu sync.Mutex
	q.onStart = func(j Job) { mu.Lock(); order = append(order, j.Kind); mu.Unlock() }
	gate := make(chan struct{})
	var started sync.WaitGroup
	hold := workers
	if holdBg {
		hold = q.bgWorkers
	}
	for i := range hold {
		started.Add(1)
		j := Job{Key: fmt.Sprintf("hold%d", i), Kind: "hold", Installation: 99, Run: func(context.Context) error { started.Done(); <-gate; return nil }}
		if holdBg {
			must(t, q.PushBackground(j))
		} else {
			must(t, q.Push(j))
		}
	}
	started.Wait()
	for _, p := range pushes {
		key := p.key
		if key == "" {
			key = p.name
		}
		j := Job{Key: key, Kind: p.name, Installation: p.inst, Run: func(context.Context) error { return nil },
			Dropped: func() { mu.Lock(); dropped = append(dropped, p.name); mu.Unlock() }}
		if p.bg {
			errs = append(errs, q.PushBackground(j))
		} else {
			errs = append(errs, q.Push(j))
		}
	}
	close(gate)
	// Shutdown drops the background jobs waiting: let every job start first.
	for q.Len() > 0 || q.BackgroundLen() > 0 {
		time.Sleep(time.Millisecond)
	}
	must(t, q.Shutdown(ctx))
	mu.Lock()
	defer mu.Unlock()
	return order[hold:], errs, dropped
}

func TestQueueLanes(t *testing.T) {
	tests := []struct {
		name    string
		workers int
		holdBg  bool
		opts    []QueueOption
		pushes  []qpush
		// want is the start order of the pushed jobs; only its first len(want)
		// entries are compared when prefix is set.
		want        []string
		prefix      bool
		wantFull    []string // names refused with ErrQueueFull
		wantDropped []string
	}{
		{
			name:    "a foreground job queued behind 100 background jobs starts next",
			workers: 1,
			pushes:  append(bgBurst(1, "bg", 100), qpush{name: "pr", inst: 2}),
			want:    []string{"pr", "bg1", "bg2"},
			prefix:  true,
		},
		{
			name:    "the same with four workers, one of them for the background",
			workers: 4,
			pushes:  append(bgBurst(1, "bg", 100), qpush{name: "pr", inst: 1}),
			want:    []string{"pr", "bg1"},
			prefix:  true,
		},
		{
			name:    "one worker busy with a background job: the foreground job starts as soon as it ends",
			workers: 1,
			holdBg:  true,
			pushes:  append(bgBurst(1, "bg", 3), qpush{name: "pr", inst: 1}, qpush{name: "pr2", inst: 1}),
			want:    []string{"pr", "pr2", "bg1", "bg2", "bg3"},
		},
		{
			name:    "foreground jobs keep their round-robin between installations ahead of the background",
			workers: 1,
			pushes: []qpush{{name: "bg1", inst: 3, bg: true}, {name: "a1", inst: 1}, {name: "a2", inst: 1},
				{name: "b1", inst: 2}, {name: "bg2", inst: 4, bg: true}},
			want: []string{"a1", "b1", "a2", "bg1", "bg2"},
		},
		{
			name:    "background jobs take turns between installations too",
			workers: 1,
			pushes:  append(bgBurst(1, "a", 3), bgBurst(2, "b", 2)...),
			want:    []string{"a1", "b1", "a2", "b2", "a3"},
		},
		{
			name:    "a foreground job replaces the waiting background job of its key and goes first",
			workers: 1,
			pushes: []qpush{{name: "bg-pr1", key: "pr1", inst: 1, bg: true}, {name: "bg-other", inst: 1, bg: true},
				{name: "fg-pr1", key: "pr1", inst: 1}},
			want:        []string{"fg-pr1", "bg-other"},
			wantDropped: []string{"bg-pr1"},
		},
		{
			name:    "a background job of a key waiting in the foreground replaces it there",
			workers: 1,
			pushes: []qpush{{name: "bg-x", inst: 1, bg: true}, {name: "fg-pr1", key: "pr1", inst: 1},
				{name: "bg-pr1", key: "pr1", inst: 1, bg: true}},
			want:        []string{"bg-pr1", "bg-x"},
			wantDropped: []string{"fg-pr1"},
		},
		{
			name:     "a full background lane refuses background jobs only",
			workers:  1,
			opts:     []QueueOption{WithBackground(1, 2)},
			pushes:   append(bgBurst(1, "bg", 3), qpush{name: "pr", inst: 1}),
			want:     []string{"pr", "bg1", "bg2"},
			wantFull: []string{"bg3"},
		},
		{
			name:     "background jobs never count against the foreground's bounds",
			workers:  1,
			opts:     []QueueOption{WithPerInstallation(1)},
			pushes:   append(bgBurst(1, "bg", 5), qpush{name: "pr", inst: 1}, qpush{name: "pr2", inst: 1}),
			want:     []string{"pr", "bg1", "bg2", "bg3", "bg4", "bg5"},
			wantFull: []string{"pr2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			order, errs, dropped := laneOrder(t, tt.workers, tt.holdBg, tt.pushes, tt.opts...)
			var full []string
			for i, err := range errs {
				switch {
				case errors.Is(err, ErrQueueFull):
					full = append(full, tt.pushes[i].name)
				case err != nil:
					t.Fatalf("push %s: %v", tt.pushes[i].name, err)
				}
			}
			if fmt.Sprint(full) != fmt.Sprint(tt.wantFull) {
				t.Errorf("refused %v, want %v", full, tt.wantFull)
			}
			got := order
			if tt.prefix && len(got) > len(tt.want) {
				got = got[:len(tt.want)]
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("started %v\n   want %v", got, tt.want)
			}
			if fmt.Sprint(dropped) != fmt.Sprint(tt.wantDropped) {
				t.Errorf("dropped %v, want %v", dropped, tt.wantDropped)
			}
		})
	}
}

// TestQueueBackgroundWorkers checks that no more than the background's workers run
// background jobs at once, while foreground jobs use the other workers.
func TestQueueBackgroundWorkers(t *testing.T) {
	for _, bgWorkers := range []int{1, 2} {
		t.Run(fmt.Sprint(bgWorkers), func(t *testing.T) {
			ctx := context.Background()
			q := NewQueue(ctx, 100, 4, slog.New(slog.DiscardHandler), QueueMetrics{}, WithBackground(bgWorkers, 0))
			var running, most atomic.Int32
			for i := range 20 {
				must(t, q.PushBackground(Job{Key: fmt.Sprint("bg", i), Installation: int64(i % 3), Run: func(context.Context) error {
					n := running.Add(1)
					for {
						m := most.Load()
						if n <= m || most.CompareAndSwap(m, n) {
							break
						}
					}
					time.Sleep(time.Millisecond)
					running.Add(-1)
					return nil
				}}))
			}
			// While background jobs run, foreground ones still start on the other workers.
			fgDone := make(chan struct{}, 3)
			for i := range 3 {
				must(t, q.Push(Job{Key: fmt.Sprint("fg", i), Run: func(context.Context) error { fgDone <- struct{}{}; return nil }}))
			}
			for range 3 {
				select {
				case <-fgDone:
				case <-time.After(10 * time.Second):
					t.Fatal("foreground jobs did not run beside the background")
				}
			}
			// Wait for the background to finish before shutting down (Shutdown drops it).
			for q.BackgroundLen() > 0 || running.Load() > 0 {
				time.Sleep(time.Millisecond)
			}
			must(t, q.Shutdown(ctx))
			if int(most.Load()) > bgWorkers {
				t.Fatalf("%d background jobs ran at once, want at most %d", most.Load(), bgWorkers)
			}
		})
	}
}

// TestQueueShutdownDropsBackground checks that Shutdown drops the waiting background
// jobs at once (telling each) and still drains the foreground.
func TestQueueShutdownDropsBackground(t *testing.T) {
	ctx := context.Background()
	q := NewQueue(ctx, 10, 1, slog.New(slog.DiscardHandler), QueueMetrics{})
	gate, started := make(chan struct{}), make(chan struct{})
	must(t, q.Push(Job{Key: "hold", Run: func(context.Context) error { close(started); <-gate; return nil }}))
	<-started
	var ran, dropped atomic.Int32
	for i := range 5 {
		must(t, q.PushBackground(Job{Key: fmt.Sprint("bg", i), Run: func(context.Context) error { ran.Add(1); return nil },
			Dropped: func() { dropped.Add(1) }}))
	}
	fgRan := false
	must(t, q.Push(Job{Key: "fg", Run: func(context.Context) error { fgRan = true; return nil }}))
	go func() { time.Sleep(10 * time.Millisecond); close(gate) }()
	must(t, q.Shutdown(ctx))
	if !fgRan || ran.Load() != 0 || dropped.Load() != 5 {
		t.Fatalf("foreground ran: %v; background ran %d, dropped %d; want true, 0, 5", fgRan, ran.Load(), dropped.Load())
	}
	if err := q.PushBackground(Job{Key: "late"}); !errors.Is(err, ErrQueueClosed) {
		t.Fatalf("background push after shutdown: %v", err)
	}
}
