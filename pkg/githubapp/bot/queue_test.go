package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestQueue(t *testing.T) {
	ctx := context.Background()
	t.Run("full queue refuses, never blocks", func(t *testing.T) {
		block := make(chan struct{})
		q := NewQueue(ctx, 2, 1, nil, QueueMetrics{})
		started := make(chan struct{})
		must(t, q.Push(Job{Key: "a", Run: func(context.Context) error { close(started); <-block; return nil }}))
		<-started
		must(t, q.Push(Job{Key: "b", Run: func(context.Context) error { return nil }}))
		must(t, q.Push(Job{Key: "c", Run: func(context.Context) error { return nil }}))
		if err := q.Push(Job{Key: "d", Run: func(context.Context) error { return nil }}); !errors.Is(err, ErrQueueFull) {
			t.Fatalf("push to a full queue: %v, want ErrQueueFull", err)
		}
		close(block)
		must(t, q.Shutdown(ctx))
		if err := q.Push(Job{Key: "e"}); !errors.Is(err, ErrQueueClosed) {
			t.Fatalf("push after shutdown: %v", err)
		}
	})

	t.Run("a newer job of a key replaces the waiting one; a key never runs twice at once", func(t *testing.T) {
		block := make(chan struct{})
		var mu sync.Mutex
		var ran []string
		var superseded atomic.Int32
		q := NewQueue(ctx, 10, 4, nil, QueueMetrics{Superseded: func(string) { superseded.Add(1) }})
		started := make(chan struct{})
		record := func(s string) func(context.Context) error {
			return func(context.Context) error { mu.Lock(); ran = append(ran, s); mu.Unlock(); return nil }
		}
		must(t, q.Push(Job{Key: "pr1", Run: func(context.Context) error { close(started); <-block; return record("head1")(ctx) }}))
		<-started
		must(t, q.Push(Job{Key: "pr1", Run: record("head2")}))
		must(t, q.Push(Job{Key: "pr1", Run: record("head3")}))
		close(block)
		must(t, q.Shutdown(ctx))
		if len(ran) != 2 || ran[0] != "head1" || ran[1] != "head3" {
			t.Fatalf("ran %v, want [head1 head3]", ran)
		}
		if superseded.Load() != 1 {
			t.Fatalf("superseded %d, want 1", superseded.Load())
		}
	})

	t.Run("a failing or panicking job does not stop the others", func(t *testing.T) {
		var done atomic.Int32
		var failed atomic.Int32
		q := NewQueue(ctx, 10, 2, nil, QueueMetrics{Done: func(_ string, _ time.Duration, err error) {
			if err != nil {
				failed.Add(1)
			}
		}})
		must(t, q.Push(Job{Key: "x", Run: func(context.Context) error { panic("boom") }}))
		must(t, q.Push(Job{Key: "y", Run: func(context.Context) error { return errors.New("no") }}))
		must(t, q.Push(Job{Key: "z", Run: func(context.Context) error { done.Add(1); return nil }}))
		must(t, q.Shutdown(ctx))
		if done.Load() != 1 || failed.Load() != 2 {
			t.Fatalf("done %d failed %d", done.Load(), failed.Load())
		}
	})

	t.Run("shutdown drains, and gives up when its context ends", func(t *testing.T) {
		block := make(chan struct{})
		q := NewQueue(ctx, 10, 1, nil, QueueMetrics{})
		started := make(chan struct{})
		must(t, q.Push(Job{Key: "a", Run: func(context.Context) error { close(started); <-block; return nil }}))
		<-started
		must(t, q.Push(Job{Key: "b", Run: func(context.Context) error { return nil }}))
		sctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := q.Shutdown(sctx); err == nil {
			t.Fatal("shutdown with an ended context returned nil")
		}
		close(block)
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// startOrder runs a queue whose first workers jobs (of installation "a") hold every
// worker until all of pushes are queued, then records the order in which the queue
// starts the jobs (under its lock, so concurrent workers cannot reorder the record).
func startOrder(t *testing.T, workers, size, perInst int, pushes []Job) (order []string, errs []error) {
	t.Helper()
	ctx := context.Background()
	q := NewQueue(ctx, size, workers, slog.New(slog.DiscardHandler), QueueMetrics{}, WithPerInstallation(perInst))
	var mu sync.Mutex
	q.onStart = func(j Job) { mu.Lock(); order = append(order, j.Key); mu.Unlock() }
	gate := make(chan struct{})
	var started sync.WaitGroup
	for i := range workers {
		started.Add(1)
		must(t, q.Push(Job{Key: fmt.Sprintf("a-hold%d", i), Installation: 1, Run: func(context.Context) error { started.Done(); <-gate; return nil }}))
	}
	started.Wait()
	for _, j := range pushes {
		j.Run = func(context.Context) error { return nil }
		errs = append(errs, q.Push(j))
	}
	close(gate)
	must(t, q.Shutdown(ctx))
	return order[workers:], errs
}

func burst(inst int64, name string, n int) []Job {
	var out []Job
	for i := 1; i <= n; i++ {
		out = append(out, Job{Key: fmt.Sprintf("%s%d", name, i), Installation: inst})
	}
	return out
}

func TestQueueSharesFairlyBetweenInstallations(t *testing.T) {
	tests := []struct {
		name    string
		workers int
		pushes  []Job
		// want is the start order after the jobs that held the workers; when only
		// a prefix matters, the rest is checked by wantBefore.
		want []string
	}{
		{
			name:    "one worker: a burst from a, then one job from b: b starts next",
			workers: 1,
			pushes:  append(burst(1, "a", 8), burst(2, "b", 1)...),
			want:    []string{"b1", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"},
		},
		{
			name:    "one worker, three installations: round-robin while each has work",
			workers: 1,
			pushes:  append(append(burst(1, "a", 4), burst(2, "b", 2)...), burst(3, "c", 2)...),
			want:    []string{"b1", "c1", "a1", "b2", "c2", "a2", "a3", "a4"},
		},
		{
			name:    "the order of arrival decides between installations served alike",
			workers: 1,
			pushes:  append(append(burst(3, "c", 2), burst(2, "b", 2)...), burst(1, "a", 1)...),
			want:    []string{"c1", "b1", "a1", "c2", "b2"},
		},
		{
			name:    "three workers: b starts before all of a's burst but the three running",
			workers: 3,
			pushes:  append(burst(1, "a", 9), burst(2, "b", 1)...),
			want:    []string{"b1", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			order, errs := startOrder(t, tt.workers, 100, 100, tt.pushes)
			for i, err := range errs {
				if err != nil {
					t.Fatalf("push %s: %v", tt.pushes[i].Key, err)
				}
			}
			if fmt.Sprint(order) != fmt.Sprint(tt.want) {
				t.Fatalf("started %v\n         want %v", order, tt.want)
			}
		})
	}
}

func TestQueueBoundsEachInstallation(t *testing.T) {
	tests := []struct {
		name          string
		size, perInst int
		pushes        []Job
		wantFull      []string // keys refused with ErrQueueFull
		wantStarted   []string
	}{
		{
			name: "an installation at its bound is refused, another still gets in",
			size: 10, perInst: 3,
			pushes:      append(burst(1, "a", 5), burst(2, "b", 2)...),
			wantFull:    []string{"a4", "a5"},
			wantStarted: []string{"b1", "a1", "b2", "a2", "a3"},
		},
		{
			name: "the total bound holds across installations",
			size: 4, perInst: 3,
			pushes:      append(append(burst(1, "a", 3), burst(2, "b", 2)...), burst(3, "c", 1)...),
			wantFull:    []string{"b2", "c1"},
			wantStarted: []string{"b1", "a1", "a2", "a3"},
		},
		{
			name: "a newer job of a waiting key replaces it, even at the bound",
			size: 10, perInst: 2,
			pushes:      append(burst(1, "a", 2), Job{Key: "a1", Installation: 1}, Job{Key: "a3", Installation: 1}),
			wantFull:    []string{"a3"},
			wantStarted: []string{"a1", "a2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			order, errs := startOrder(t, 1, tt.size, tt.perInst, tt.pushes)
			var full []string
			for i, err := range errs {
				switch {
				case errors.Is(err, ErrQueueFull):
					full = append(full, tt.pushes[i].Key)
				case err != nil:
					t.Fatalf("push %s: %v", tt.pushes[i].Key, err)
				}
			}
			if fmt.Sprint(full) != fmt.Sprint(tt.wantFull) {
				t.Errorf("refused %v, want %v", full, tt.wantFull)
			}
			if fmt.Sprint(order) != fmt.Sprint(tt.wantStarted) {
				t.Errorf("started %v, want %v", order, tt.wantStarted)
			}
		})
	}
}

func TestQueueJobDeadline(t *testing.T) {
	const limit = 2 * time.Second
	tests := []struct {
		name string
		// cancelFirst cancels the queue's context before the deadline: a shutdown,
		// not a job running out of time.
		cancelFirst bool
		wantTimeout bool
	}{
		{name: "a job blocking until its context ends is cut at the deadline while another installation's job completes", wantTimeout: true},
		{name: "a job ended by the queue's context is not a timeout", cancelFirst: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var mu sync.Mutex
			var events []string
			rec := func(s string) { mu.Lock(); events = append(events, s); mu.Unlock() }
			errs := map[string]error{}
			q := NewQueue(ctx, 10, 2, slog.New(slog.DiscardHandler), QueueMetrics{Done: func(kind string, _ time.Duration, err error) {
				mu.Lock()
				errs[kind] = err
				mu.Unlock()
			}}, WithJobTimeout(limit))
			aStarted, bDone := make(chan struct{}), make(chan struct{})
			var seenLimit time.Duration
			must(t, q.Push(Job{Key: "a", Kind: "slow", Installation: 1, Run: func(ctx context.Context) error {
				seenLimit = JobTimeout(ctx)
				close(aStarted)
				select {
				case <-bDone:
					rec("b done while a runs")
				case <-ctx.Done():
				}
				<-ctx.Done()
				rec("a ended")
				return fmt.Errorf("render: %w", ctx.Err())
			}}))
			<-aStarted
			if tt.cancelFirst {
				cancel()
			}
			must(t, q.Push(Job{Key: "b", Kind: "quick", Installation: 2, Run: func(context.Context) error { close(bDone); return nil }}))
			must(t, q.Shutdown(context.Background()))
			if seenLimit != limit {
				t.Errorf("JobTimeout(ctx) in the job = %v, want %v", seenLimit, limit)
			}
			err := errs["slow"]
			if got := errors.Is(err, ErrJobTimeout); got != tt.wantTimeout {
				t.Fatalf("slow job's error %v: ErrJobTimeout %v, want %v", err, got, tt.wantTimeout)
			}
			if !tt.wantTimeout {
				return
			}
			if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "--job-timeout") || !strings.Contains(err.Error(), limit.String()) {
				t.Errorf("slow job's error %q: want it to wrap the deadline and name the limit %s and --job-timeout", err, limit)
			}
			if errs["quick"] != nil {
				t.Errorf("quick job: %v", errs["quick"])
			}
			if want := []string{"b done while a runs", "a ended"}; fmt.Sprint(events) != fmt.Sprint(want) {
				t.Errorf("events %v, want %v", events, want)
			}
		})
	}
}
