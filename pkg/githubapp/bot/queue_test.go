package bot

import (
	"context"
	"errors"
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
