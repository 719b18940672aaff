package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Errors of Push. A webhook answers both with 503, so GitHub can deliver again.
var (
	ErrQueueFull   = errors.New("work queue full")
	ErrQueueClosed = errors.New("work queue shutting down")
)

// Job is one unit of work, e.g. planning one pull request at one head.
type Job struct {
	// Key groups jobs that must not run at the same time, e.g. "owner/repo#12". A job
	// pushed while another of its key waits replaces it (the newer head wins); one
	// pushed while another of its key runs waits for it.
	Key string
	// Kind names the job in logs and metrics, e.g. "pull_request".
	Kind string
	Run  func(ctx context.Context) error
}

// QueueMetrics receives what the queue does; nil fields are skipped.
type QueueMetrics struct {
	Depth      func(n int)
	Waited     func(kind string, d time.Duration)
	Done       func(kind string, d time.Duration, err error)
	Superseded func(kind string)
}

type entry struct {
	job      Job
	enqueued time.Time
}

// Queue runs jobs on a bounded number of workers, holding at most size waiting.
type Queue struct {
	log     *slog.Logger
	metrics QueueMetrics
	size    int

	mu      sync.Mutex
	cond    *sync.Cond
	order   []string          // keys waiting, oldest first
	waiting map[string]*entry // the waiting job of each key
	running map[string]bool
	closed  bool
	wg      sync.WaitGroup
}

// NewQueue starts workers goroutines that run jobs until Shutdown. ctx is passed
// to every job; cancel it to abort running jobs.
func NewQueue(ctx context.Context, size, workers int, log *slog.Logger, m QueueMetrics) *Queue {
	if log == nil {
		log = slog.Default()
	}
	q := &Queue{log: log, metrics: m, size: max(size, 1), waiting: map[string]*entry{}, running: map[string]bool{}}
	q.cond = sync.NewCond(&q.mu)
	for range max(workers, 1) {
		q.wg.Add(1)
		go q.work(ctx)
	}
	return q
}

// Push queues j. It never blocks: a full queue answers ErrQueueFull.
func (q *Queue) Push(j Job) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return ErrQueueClosed
	}
	if old, ok := q.waiting[j.Key]; ok {
		q.log.Debug("queued job superseded by a newer one", "key", j.Key, "kind", j.Kind)
		if q.metrics.Superseded != nil {
			q.metrics.Superseded(old.job.Kind)
		}
		old.job = j // keeps its place in line
		return nil
	}
	if len(q.order) >= q.size {
		return ErrQueueFull
	}
	q.waiting[j.Key] = &entry{job: j, enqueued: time.Now()}
	q.order = append(q.order, j.Key)
	q.depth()
	q.cond.Signal()
	return nil
}

// Len is the number of jobs waiting.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.order)
}

// Shutdown refuses new jobs and waits until the waiting and running ones are done,
// or ctx ends (then the jobs still waiting are dropped and ctx's error returned).
func (q *Queue) Shutdown(ctx context.Context) error {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
	done := make(chan struct{})
	go func() { q.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		q.mu.Lock()
		dropped := len(q.order)
		q.order, q.waiting = nil, map[string]*entry{}
		q.cond.Broadcast()
		q.mu.Unlock()
		return fmt.Errorf("shut down the work queue with %d jobs not started: %w", dropped, ctx.Err())
	}
}

func (q *Queue) work(ctx context.Context) {
	defer q.wg.Done()
	for {
		e := q.next()
		if e == nil {
			return
		}
		q.run(ctx, e)
		q.mu.Lock()
		delete(q.running, e.job.Key)
		q.cond.Broadcast() // a job of this key may be waiting
		q.mu.Unlock()
	}
}

// next waits for a job whose key is not running; nil when the queue is closed and empty.
func (q *Queue) next() *entry {
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		for i, k := range q.order {
			if q.running[k] {
				continue
			}
			e := q.waiting[k]
			q.order = append(q.order[:i:i], q.order[i+1:]...)
			delete(q.waiting, k)
			q.running[k] = true
			q.depth()
			return e
		}
		if q.closed && len(q.order) == 0 {
			return nil
		}
		q.cond.Wait()
	}
}

func (q *Queue) run(ctx context.Context, e *entry) {
	start := time.Now()
	if q.metrics.Waited != nil {
		q.metrics.Waited(e.job.Kind, start.Sub(e.enqueued))
	}
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return e.job.Run(ctx)
	}()
	d := time.Since(start)
	if q.metrics.Done != nil {
		q.metrics.Done(e.job.Kind, d, err)
	}
	if err != nil {
		q.log.Error("job failed", "key", e.job.Key, "kind", e.job.Kind, "duration", d, "error", err)
		return
	}
	q.log.Info("job done", "key", e.job.Key, "kind", e.job.Kind, "duration", d)
}

func (q *Queue) depth() {
	if q.metrics.Depth != nil {
		q.metrics.Depth(len(q.order))
	}
}
