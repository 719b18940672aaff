package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
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
	// DefaultBackgroundWorkers is how many workers may run background jobs at once.
	DefaultBackgroundWorkers = 1
	// DefaultBackgroundSize bounds the background jobs waiting: start-up work (the
	// image index, re-plans of stale pull requests) fed in a little at a time.
	DefaultBackgroundSize = 10000
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
	// Dropped, when set, is called once if the job will never run: a newer job of its
	// key replaced it while it waited, or the queue shut down first. It is called
	// outside the queue's lock.
	Dropped func()
}

// QueueMetrics receives what the queue does; nil fields are skipped.
type QueueMetrics struct {
	Depth func(n int)
	// BackgroundDepth is the number of background jobs waiting.
	BackgroundDepth func(n int)
	Waited          func(kind string, d time.Duration)
	Done            func(kind string, d time.Duration, err error)
	Superseded      func(kind string)
	// Held is how long a job's start was held back while requests were being
	// answered (WithStartGate); only jobs held back are told.
	Held func(kind string, d time.Duration)
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

// WithBackground bounds the background lane (PushBackground): at most workers of
// the queue's workers run background jobs at once (default
// DefaultBackgroundWorkers, never more than the workers), and at most size wait
// (default DefaultBackgroundSize). 0 keeps a default.
func WithBackground(workers, size int) QueueOption {
	return func(q *Queue) {
		if workers > 0 {
			q.bgWorkers = workers
		}
		if size > 0 {
			q.bgSize = size
		}
	}
}

// WithStartGate holds job starts back while gate is busy (the webhook requests being
// answered: InFlight), so that a burst of deliveries is acknowledged before their
// jobs take the CPUs. A job is held back at most max from when it was queued: one
// that waited that long starts, busy or not, so no job starves. Nothing is held
// back while the foreground, or one installation's share of it, has fewer free
// places than there are workers: a slower acknowledgement is better than a 503.
// max <= 0: never held back.
func WithStartGate(gate StartGate, max time.Duration) QueueOption {
	return func(q *Queue) {
		if max > 0 {
			q.gate, q.maxHold = gate, max
		}
	}
}

// StartGate tells a Queue when to hold job starts back (WithStartGate).
type StartGate interface {
	// Busy is how long, from now, job starts are held back at least: 0 when they
	// are not; Forever until the gate calls its OnIdle functions.
	Busy(now time.Time) time.Duration
	// OnIdle registers f, called each time the gate may have stopped being busy.
	OnIdle(f func())
}

// Forever is a StartGate's Busy until it calls its OnIdle functions.
const Forever = time.Duration(math.MaxInt64)

type entry struct {
	job      Job
	inst     int64
	enqueued time.Time
	held     time.Time // when its start was first held back (zero: never)
	bg       bool      // in the background lane
}

// line is one installation's part of a lane, kept while it has jobs waiting or
// running.
type line struct {
	keys      []string // waiting, oldest first
	running   int
	lastStart uint64 // when a job of it last started (0: never), in starts counted
	arrival   uint64 // when the line was made: the tie-breaker
}

// lane is one priority of the queue: its waiting jobs by key, and its installations'
// lines.
type lane struct {
	waiting  map[string]*entry // the waiting job of each key
	lines    map[int64]*line
	total    int // jobs waiting
	running  int // jobs running
	arrivals uint64
}

func newLane() *lane { return &lane{waiting: map[string]*entry{}, lines: map[int64]*line{}} }

// add queues e at the end of its installation's line.
func (l *lane) add(e *entry) {
	ln := l.lines[e.inst]
	if ln == nil {
		l.arrivals++
		ln = &line{arrival: l.arrivals}
		l.lines[e.inst] = ln
	}
	l.waiting[e.job.Key] = e
	ln.keys = append(ln.keys, e.job.Key)
	l.total++
}

// remove takes the waiting job of key out of the lane.
func (l *lane) remove(key string) *entry {
	e := l.waiting[key]
	if e == nil {
		return nil
	}
	delete(l.waiting, key)
	l.total--
	if ln := l.lines[e.inst]; ln != nil {
		if i := slices.Index(ln.keys, key); i >= 0 {
			ln.keys = slices.Delete(ln.keys, i, i+1)
		}
		l.forget(e.inst, ln)
	}
	return e
}

// forget drops the line of inst once it has nothing waiting or running.
func (l *lane) forget(inst int64, ln *line) {
	if ln.running == 0 && len(ln.keys) == 0 {
		delete(l.lines, inst)
	}
}

// pick is the job to start next, not yet taken: the oldest job whose key is not
// running of the installation that started a job least recently (first come first
// served between those that never did); nil when no job can start.
func (l *lane) pick(running map[string]bool) *entry {
	var best *line
	bestAt := -1
	for _, ln := range l.lines {
		if best != nil && (ln.lastStart > best.lastStart || ln.lastStart == best.lastStart && ln.arrival > best.arrival) {
			continue
		}
		for i, k := range ln.keys {
			if !running[k] {
				best, bestAt = ln, i
				break
			}
		}
	}
	if best == nil {
		return nil
	}
	return l.waiting[best.keys[bestAt]]
}

// take starts e, which pick returned (nothing changed the lane since).
func (l *lane) take(e *entry, starts uint64) {
	ln := l.lines[e.inst]
	k := e.job.Key
	if i := slices.Index(ln.keys, k); i >= 0 {
		ln.keys = slices.Delete(ln.keys, i, i+1)
	}
	delete(l.waiting, k)
	l.total--
	l.running++
	ln.lastStart = starts
	ln.running++
}

// done records that e, taken from this lane, ended.
func (l *lane) done(e *entry) {
	l.running--
	if ln := l.lines[e.inst]; ln != nil {
		ln.running--
		l.forget(e.inst, ln)
	}
}

// drop empties the lane's waiting jobs and returns them.
func (l *lane) drop() []*entry {
	out := make([]*entry, 0, l.total)
	for _, e := range l.waiting {
		out = append(out, e)
	}
	for inst, ln := range l.lines {
		ln.keys = nil
		l.forget(inst, ln)
	}
	l.waiting, l.total = map[string]*entry{}, 0
	return out
}

// Queue runs jobs on a bounded number of workers. It has two lanes:
//
//   - the foreground (Push): webhooks' jobs, holding at most size waiting and at
//     most perInst of one installation;
//   - the background (PushBackground): work nobody waits for, such as the image
//     index at start and re-plans of stale pull requests. A background job starts
//     only when no foreground job can, on at most bgWorkers workers at once, so a
//     foreground job waits for a free worker at most one background job's time
//     (none while workers outnumber bgWorkers). Background jobs never count against
//     the foreground's bounds.
//
// In each lane, workers start the oldest job of the installation that started one
// least recently: round-robin across the installations with work waiting. Two jobs
// of one key never run at once, whatever their lanes. With a start gate
// (WithStartGate), no job starts while the gate is busy unless it has waited the
// gate's longest hold: a job running takes CPU that acknowledgements need.
type Queue struct {
	log       *slog.Logger
	metrics   QueueMetrics
	size      int
	perInst   int
	timeout   time.Duration
	workers   int
	bgWorkers int
	bgSize    int

	mu      sync.Mutex
	cond    *sync.Cond
	fg, bg  *lane
	starts  uint64
	running map[string]bool
	closed  bool
	wg      sync.WaitGroup

	failed  func(Job, error)
	gate    StartGate // nil: starts are never held back
	maxHold time.Duration

	now     func() time.Time                          // time.Now; tests set a clock
	after   func(time.Duration, func()) (stop func()) // time.AfterFunc; tests fire it
	onStart func(Job)                                 // tests: called under the lock when a job is taken
	onHold  func(Job, time.Duration)                  // tests: called under the lock when a job's start is held back, with the gate's Busy
}

// NewQueue starts workers goroutines that run jobs until Shutdown. ctx is passed
// to every job; cancel it to abort running jobs.
func NewQueue(ctx context.Context, size, workers int, log *slog.Logger, m QueueMetrics, opts ...QueueOption) *Queue {
	if log == nil {
		log = slog.Default()
	}
	q := &Queue{log: log, metrics: m, size: max(size, 1), perInst: DefaultQueuePerInstallation, workers: max(workers, 1),
		bgWorkers: DefaultBackgroundWorkers, bgSize: DefaultBackgroundSize,
		fg: newLane(), bg: newLane(), running: map[string]bool{}, now: time.Now, after: afterFunc}
	for _, o := range opts {
		o(q)
	}
	if q.perInst <= 0 || q.perInst > q.size {
		q.perInst = q.size
	}
	q.bgWorkers = min(max(q.bgWorkers, 1), q.workers)
	q.cond = sync.NewCond(&q.mu)
	if q.gate != nil {
		q.gate.OnIdle(q.wake)
	}
	for range q.workers {
		q.wg.Add(1)
		go q.work(ctx)
	}
	return q
}

// Push queues j in the foreground. It never blocks: a full queue answers an error
// wrapping ErrQueueFull (ErrInstallationQueueFull when j's installation has its
// share waiting). A background job of j's key that waits is replaced by j, which
// moves to the foreground when there is room for it there, else takes its place.
func (q *Queue) Push(j Job) error {
	q.mu.Lock()
	dropped, err := q.push(j)
	q.mu.Unlock()
	callDropped(dropped)
	return err
}

func (q *Queue) push(j Job) (*entry, error) {
	if q.closed {
		return nil, ErrQueueClosed
	}
	if old, ok := q.fg.waiting[j.Key]; ok {
		return q.supersede(old, j), nil
	}
	if err := q.room(j); err != nil {
		if old, ok := q.bg.waiting[j.Key]; ok {
			return q.supersede(old, j), nil // its work gets done, in its turn
		}
		return nil, err
	}
	var dropped *entry
	if old, ok := q.bg.waiting[j.Key]; ok {
		q.bg.remove(j.Key)
		q.superseded(old, j)
		dropped = old
		q.bgDepth()
	}
	q.fg.add(&entry{job: j, inst: j.Installation, enqueued: q.now()})
	q.depth()
	q.cond.Signal()
	return dropped, nil
}

// room is nil when the foreground has room for j, else why not.
func (q *Queue) room(j Job) error {
	if q.fg.total >= q.size {
		return ErrQueueFull
	}
	if l := q.fg.lines[j.Installation]; l != nil && len(l.keys) >= q.perInst {
		q.log.Warn("installation has its share of the work queue waiting: job refused", "installation", j.Installation,
			"key", j.Key, "kind", j.Kind, "waiting", len(l.keys))
		return fmt.Errorf("installation %d has %d jobs waiting: %w", j.Installation, len(l.keys), ErrInstallationQueueFull)
	}
	return nil
}

// PushBackground queues j in the background lane: it runs when no foreground job
// can start, on at most the background's workers at once. It never blocks and never
// takes room from Push: a full background lane answers an error wrapping
// ErrQueueFull. A waiting job of j's key, in either lane, is replaced by j, which
// keeps its place.
func (q *Queue) PushBackground(j Job) error {
	q.mu.Lock()
	dropped, err := q.pushBackground(j)
	q.mu.Unlock()
	callDropped(dropped)
	return err
}

func (q *Queue) pushBackground(j Job) (*entry, error) {
	if q.closed {
		return nil, ErrQueueClosed
	}
	if old, ok := q.fg.waiting[j.Key]; ok {
		return q.supersede(old, j), nil
	}
	if old, ok := q.bg.waiting[j.Key]; ok {
		return q.supersede(old, j), nil
	}
	if q.bg.total >= q.bgSize {
		return nil, fmt.Errorf("%d background jobs waiting: %w", q.bg.total, ErrQueueFull)
	}
	q.bg.add(&entry{job: j, inst: j.Installation, enqueued: q.now(), bg: true})
	q.bgDepth()
	q.cond.Signal()
	return nil, nil
}

// supersede puts j in the place of the waiting old (same key) and returns what
// old held, to be told it was dropped.
func (q *Queue) supersede(old *entry, j Job) *entry {
	q.superseded(old, j)
	was := *old
	old.job = j // keeps its place in line (its installation's)
	return &was
}

func (q *Queue) superseded(old *entry, j Job) {
	q.log.Debug("queued job superseded by a newer one", "key", j.Key, "kind", j.Kind, "installation", j.Installation)
	if q.metrics.Superseded != nil {
		q.metrics.Superseded(old.job.Kind)
	}
}

func callDropped(es ...*entry) {
	for _, e := range es {
		if e != nil && e.job.Dropped != nil {
			e.job.Dropped()
		}
	}
}

// State is the queue's jobs waiting in the foreground and running, and its size,
// for the status page.
func (q *Queue) State() statuspage.Queue {
	q.mu.Lock()
	defer q.mu.Unlock()
	return statuspage.Queue{Waiting: q.fg.total, Running: len(q.running), Capacity: q.size}
}

// Len is the number of foreground jobs waiting.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.fg.total
}

// BackgroundLen is the number of background jobs waiting.
func (q *Queue) BackgroundLen() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.bg.total
}

// Shutdown refuses new jobs, drops the background jobs waiting (start-up work that
// the next start does again), and waits until the waiting foreground jobs and the
// running ones are done, or ctx ends (then the jobs still waiting are dropped and
// ctx's error returned).
func (q *Queue) Shutdown(ctx context.Context) error {
	q.mu.Lock()
	q.closed = true
	bg := q.bg.drop()
	q.bgDepth()
	q.cond.Broadcast()
	q.mu.Unlock()
	callDropped(bg...)
	if len(bg) > 0 {
		q.log.Info("shutting down: background jobs not started dropped", "jobs", len(bg))
	}
	done := make(chan struct{})
	go func() { q.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		q.mu.Lock()
		fg := q.fg.drop()
		q.depth()
		q.cond.Broadcast()
		q.mu.Unlock()
		callDropped(fg...)
		return fmt.Errorf("shut down the work queue with %d jobs not started: %w", len(fg), ctx.Err())
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
		if e.bg {
			q.bg.done(e)
		} else {
			q.fg.done(e)
		}
		q.cond.Broadcast() // a job of this key, or a background job, may be waiting
		q.mu.Unlock()
	}
}

// next waits for a job whose key is not running; nil when the queue is closed and
// empty. A foreground job goes first; a background job starts only when none can
// and fewer than bgWorkers background jobs run. While the start gate is busy, the
// job next in line waits, at most until it has waited the gate's longest hold.
func (q *Queue) next() *entry {
	q.mu.Lock()
	defer q.mu.Unlock()
	var stopTimer func()
	defer func() {
		if stopTimer != nil {
			stopTimer()
		}
	}()
	for {
		l := q.fg
		e := l.pick(q.running)
		if e == nil && q.bg.running < q.bgWorkers {
			l = q.bg
			e = l.pick(q.running)
		}
		if e != nil {
			now := q.now()
			if wait := q.holdFor(now, e); wait > 0 {
				if e.held.IsZero() {
					e.held = now
				}
				if stopTimer != nil {
					stopTimer()
				}
				stopTimer = q.after(wait, q.wake)
				if q.onHold != nil { // after the timer is set: a test may fire it at once
					q.onHold(e.job, q.gate.Busy(now))
				}
				q.cond.Wait()
				continue
			}
			q.starts++
			l.take(e, q.starts)
			q.running[e.job.Key] = true
			if q.onStart != nil {
				q.onStart(e.job)
			}
			if !e.held.IsZero() && q.metrics.Held != nil {
				q.metrics.Held(e.job.Kind, now.Sub(e.held))
			}
			q.log.Debug("job started", "key", e.job.Key, "kind", e.job.Kind, "installation", e.inst, "background", e.bg)
			if e.bg {
				q.bgDepth()
			} else {
				q.depth()
			}
			return e
		}
		if q.closed && q.fg.total == 0 && q.bg.total == 0 {
			return nil
		}
		q.cond.Wait()
	}
}

// holdFor is how long e's start is still held back at now (0: it starts).
func (q *Queue) holdFor(now time.Time, e *entry) time.Duration {
	if q.gate == nil || q.nearlyFull() {
		return 0
	}
	return holdBack(q.gate.Busy(now), now.Sub(e.enqueued), q.maxHold)
}

// nearlyFull says whether the foreground, or an installation's share of it, has
// fewer free places than there are workers: a push may soon be refused unless jobs
// start.
func (q *Queue) nearlyFull() bool {
	if q.size-q.fg.total < q.workers {
		return true
	}
	for _, ln := range q.fg.lines {
		if q.perInst-len(ln.keys) < q.workers {
			return true
		}
	}
	return false
}

// holdBack is how much longer a job that has waited is held back, the gate being
// busy for at least busy more (0: not busy): while busy, until it has waited max.
func holdBack(busy, waited, max time.Duration) time.Duration {
	if busy <= 0 || waited >= max {
		return 0
	}
	return min(busy, max-waited)
}

// wake makes the workers look at the queue again (the gate went idle, a hold ran out).
func (q *Queue) wake() {
	q.mu.Lock()
	q.cond.Broadcast()
	q.mu.Unlock()
}

func afterFunc(d time.Duration, f func()) (stop func()) {
	t := time.AfterFunc(d, f)
	return func() { t.Stop() }
}

func (q *Queue) run(ctx context.Context, e *entry) {
	start := q.now()
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
	d := q.now().Sub(start)
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
	// Debug, not Info: a line per job is paid for on the CPUs acknowledgements need;
	// failures are logged above, at Error.
	q.log.Debug("job done", "key", e.job.Key, "kind", e.job.Kind, "installation", e.inst, "duration", d)
}

func (q *Queue) depth() {
	if q.metrics.Depth != nil {
		q.metrics.Depth(q.fg.total)
	}
}

func (q *Queue) bgDepth() {
	if q.metrics.BackgroundDepth != nil {
		q.metrics.BackgroundDepth(q.bg.total)
	}
}

type jobTimeoutKey struct{}

// JobTimeout is the time a queued job's ctx allows it from its start (--job-timeout;
// 0 outside a job or without a limit).
func JobTimeout(ctx context.Context) time.Duration {
	d, _ := ctx.Value(jobTimeoutKey{}).(time.Duration)
	return d
}
