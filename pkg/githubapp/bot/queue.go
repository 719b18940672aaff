package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot/statuspage"
)

// Errors of Push. A webhook answers both with 503, so GitHub can deliver again.
var (
	ErrQueueFull   = errors.New("work queue full")
	ErrQueueClosed = errors.New("work queue shutting down")
	// ErrInstallationQueueFull is ErrQueueFull for one installation: it has as many
	// jobs waiting as one installation may (--queue-per-installation), while the
	// others still get in.
	ErrInstallationQueueFull = fmt.Errorf("%w: the installation's share of it is used up", ErrQueueFull)
	// ErrJobTimeout wraps the error of a job that ran out of time (--job-timeout).
	ErrJobTimeout = errors.New("job ran out of time")
)

// Defaults of the queue's bounds.
const (
	DefaultQueueSize            = 100
	DefaultQueuePerInstallation = 25
	DefaultJobTimeout           = 5 * time.Minute
)

// Job is one unit of work, e.g. planning one pull request at one head.
type Job struct {
	// Key groups jobs that must not run at the same time, e.g. "owner/repo#12". A job
	// pushed while another of its key waits replaces it (the newer head wins); one
	// pushed while another of its key runs waits for it.
	Key string
	// Kind names the job in logs and metrics, e.g. "pull_request".
	Kind string
	// Installation is the App installation the job works for (0: none). Workers
	// take jobs round-robin across installations, and each installation may have
	// only so many jobs waiting, so one installation's burst does not hold up
	// another's work.
	Installation int64
	Run          func(ctx context.Context) error
}

// QueueMetrics receives what the queue does; nil fields are skipped.
type QueueMetrics struct {
	Depth      func(n int)
	Waited     func(kind string, d time.Duration)
	Done       func(kind string, d time.Duration, err error)
	Superseded func(kind string)
}

// QueueOption configures NewQueue.
type QueueOption func(*Queue)

// WithPerInstallation bounds the jobs waiting of each installation (default
// DefaultQueuePerInstallation, never more than the queue's size).
func WithPerInstallation(n int) QueueOption { return func(q *Queue) { q.perInst = n } }

// WithJobTimeout runs every job under a deadline d after it starts (0: none). A job
// that ends after its deadline fails with an error wrapping ErrJobTimeout; a job can
// read d with JobTimeout to say so to its users.
func WithJobTimeout(d time.Duration) QueueOption { return func(q *Queue) { q.timeout = d } }

// WithFailed calls f with every job that failed and its error, after it is logged.
func WithFailed(f func(Job, error)) QueueOption { return func(q *Queue) { q.failed = f } }

type entry struct {
	job      Job
	inst     int64
	enqueued time.Time
}

// line is one installation's part of the queue, kept while it has jobs waiting or
// running.
type line struct {
	keys      []string // waiting, oldest first
	running   int
	lastStart uint64 // when a job of it last started (0: never), in starts counted
	arrival   uint64 // when the line was made: the tie-breaker
}

// Queue runs jobs on a bounded number of workers, holding at most size waiting and
// at most perInst of one installation. Workers start the oldest job of the
// installation that started one least recently: round-robin across the
// installations with work waiting.
type Queue struct {
	log     *slog.Logger
	metrics QueueMetrics
	size    int
	perInst int
	timeout time.Duration

	mu       sync.Mutex
	cond     *sync.Cond
	waiting  map[string]*entry // the waiting job of each key
	lines    map[int64]*line
	total    int // jobs waiting
	starts   uint64
	arrivals uint64
	running  map[string]bool
	closed   bool
	wg       sync.WaitGroup

	failed  func(Job, error)
	onStart func(Job) // tests: called under the lock when a job is taken
}

// NewQueue starts workers goroutines that run jobs until Shutdown. ctx is passed
// to every job; cancel it to abort running jobs.
func NewQueue(ctx context.Context, size, workers int, log *slog.Logger, m QueueMetrics, opts ...QueueOption) *Queue {
	if log == nil {
		log = slog.Default()
	}
	q := &Queue{log: log, metrics: m, size: max(size, 1), perInst: DefaultQueuePerInstallation,
		waiting: map[string]*entry{}, lines: map[int64]*line{}, running: map[string]bool{}}
	for _, o := range opts {
		o(q)
	}
	if q.perInst <= 0 || q.perInst > q.size {
		q.perInst = q.size
	}
	q.cond = sync.NewCond(&q.mu)
	for range max(workers, 1) {
		q.wg.Add(1)
		go q.work(ctx)
	}
	return q
}

// Push queues j. It never blocks: a full queue answers an error wrapping
// ErrQueueFull (ErrInstallationQueueFull when j's installation has its share
// waiting).
func (q *Queue) Push(j Job) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return ErrQueueClosed
	}
	if old, ok := q.waiting[j.Key]; ok {
		q.log.Debug("queued job superseded by a newer one", "key", j.Key, "kind", j.Kind, "installation", j.Installation)
		if q.metrics.Superseded != nil {
			q.metrics.Superseded(old.job.Kind)
		}
		old.job = j // keeps its place in line (its installation's)
		return nil
	}
	if q.total >= q.size {
		return ErrQueueFull
	}
	l := q.lines[j.Installation]
	if l != nil && len(l.keys) >= q.perInst {
		q.log.Warn("installation has its share of the work queue waiting: job refused", "installation", j.Installation,
			"key", j.Key, "kind", j.Kind, "waiting", len(l.keys))
		return fmt.Errorf("installation %d has %d jobs waiting: %w", j.Installation, len(l.keys), ErrInstallationQueueFull)
	}
	if l == nil {
		q.arrivals++
		l = &line{arrival: q.arrivals}
		q.lines[j.Installation] = l
	}
	q.waiting[j.Key] = &entry{job: j, inst: j.Installation, enqueued: time.Now()}
	l.keys = append(l.keys, j.Key)
	q.total++
	q.depth()
	q.cond.Signal()
	return nil
}

// State is the queue's jobs waiting and running, and its size, for the status page.
func (q *Queue) State() statuspage.Queue {
	q.mu.Lock()
	defer q.mu.Unlock()
	return statuspage.Queue{Waiting: q.total, Running: len(q.running), Capacity: q.size}
}

// Len is the number of jobs waiting.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.total
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
		dropped := q.total
		for inst, l := range q.lines {
			l.keys = nil
			if l.running == 0 {
				delete(q.lines, inst)
			}
		}
		q.waiting, q.total = map[string]*entry{}, 0
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
		if l := q.lines[e.inst]; l != nil {
			l.running--
			if l.running == 0 && len(l.keys) == 0 {
				delete(q.lines, e.inst)
			}
		}
		q.cond.Broadcast() // a job of this key may be waiting
		q.mu.Unlock()
	}
}

// next waits for a job whose key is not running; nil when the queue is closed and
// empty. Of the installations with such a job, it takes the oldest job of the one
// that started a job least recently (first come first served between those that
// never did).
func (q *Queue) next() *entry {
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		var best *line
		var bestInst int64
		bestAt := -1
		for inst, l := range q.lines {
			if best != nil && (l.lastStart > best.lastStart || l.lastStart == best.lastStart && l.arrival > best.arrival) {
				continue
			}
			for i, k := range l.keys {
				if !q.running[k] {
					best, bestInst, bestAt = l, inst, i
					break
				}
			}
		}
		if best != nil {
			k := best.keys[bestAt]
			e := q.waiting[k]
			best.keys = append(best.keys[:bestAt:bestAt], best.keys[bestAt+1:]...)
			delete(q.waiting, k)
			q.total--
			q.running[k] = true
			q.starts++
			best.lastStart = q.starts
			best.running++
			if q.onStart != nil {
				q.onStart(e.job)
			}
			q.log.Debug("job started", "key", k, "kind", e.job.Kind, "installation", bestInst)
			q.depth()
			return e
		}
		if q.closed && q.total == 0 {
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
	jctx := ctx
	if q.timeout > 0 {
		var cancel context.CancelFunc
		jctx, cancel = context.WithTimeout(context.WithValue(ctx, jobTimeoutKey{}, q.timeout), q.timeout)
		defer cancel()
	}
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return e.job.Run(jctx)
	}()
	if err != nil && ctx.Err() == nil && errors.Is(jctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("%w: it took longer than its limit of %s (--job-timeout): %w", ErrJobTimeout, q.timeout, err)
	}
	d := time.Since(start)
	if q.metrics.Done != nil {
		q.metrics.Done(e.job.Kind, d, err)
	}
	if err != nil {
		q.log.Error("job failed", "key", e.job.Key, "kind", e.job.Kind, "installation", e.inst, "duration", d, "error", err)
		if q.failed != nil {
			q.failed(e.job, err)
		}
		return
	}
	q.log.Info("job done", "key", e.job.Key, "kind", e.job.Kind, "installation", e.inst, "duration", d)
}

func (q *Queue) depth() {
	if q.metrics.Depth != nil {
		q.metrics.Depth(q.total)
	}
}

type jobTimeoutKey struct{}

// JobTimeout is the time a queued job's ctx allows it from its start (--job-timeout;
// 0 outside a job or without a limit).
func JobTimeout(ctx context.Context) time.Duration {
	d, _ := ctx.Value(jobTimeoutKey{}).(time.Duration)
	return d
}
