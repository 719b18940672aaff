package bot

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a queue's clock in tests: it moves only when told, and its timers
// fire only when it moves past them.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	timers []func()
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) after(_ time.Duration, f func()) func() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.timers = append(c.timers, f)
	return func() {}
}

// advance moves the clock by d and fires every timer set so far (a hold's timer is
// set for the rest of the hold, never more than the hold, and the tests move the
// clock by whole holds).
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	fire := c.timers
	c.timers = nil
	c.mu.Unlock()
	for _, f := range fire {
		f()
	}
}

// eventLog is what a test saw happen, in order; wait blocks until an entry is there.
type eventLog struct {
	mu      sync.Mutex
	cond    *sync.Cond
	entries []string
}

func newEventLog() *eventLog { l := &eventLog{}; l.cond = sync.NewCond(&l.mu); return l }

func (l *eventLog) add(e string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, e)
	l.cond.Broadcast()
}

// addOnce adds e unless it is there already (a held job is held again at every
// wake-up of its worker).
func (l *eventLog) addOnce(e string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !slices.Contains(l.entries, e) {
		l.entries = append(l.entries, e)
		l.cond.Broadcast()
	}
}

// wait blocks until the log has e, or or when it is not "" (what makes e never
// come: a job that started without being held).
func (l *eventLog) wait(e, or string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for !slices.Contains(l.entries, e) && !slices.Contains(l.entries, or) {
		l.cond.Wait()
	}
}

func (l *eventLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.entries)
}

// withTestHooks sets a queue's clock and its start and hold hooks before its
// workers start.
func withTestHooks(c *fakeClock, onStart func(Job), onHold func(Job, time.Duration)) QueueOption {
	return func(q *Queue) { q.now, q.after, q.onStart, q.onHold = c.now, c.after, onStart, onHold }
}

// TestQueueHoldsStartsWhileRequestsInFlight: with a start gate (the webhook
// requests in flight), no job starts while a request is being answered, until it has
// waited the longest hold; the order in which jobs start is the queue's usual one.
// The clock is a fake one: nothing here depends on how fast the machine is.
func TestQueueHoldsStartsWhileRequestsInFlight(t *testing.T) {
	const hold = 50 * time.Millisecond
	// Steps: "begin" and "end" a request, "push K" or "push K=KEY" a job (kind K),
	// "bg K" a background job, "tick" the clock by the hold ("tick D": by D), "wait
	// E" for a log entry. "end" and "tick" log themselves before they act, so that a
	// start logged after them happened after them.
	tests := []struct {
		name    string
		noGate  bool
		quiet   time.Duration // the gate's
		size    int           // the queue's (default 10)
		perInst int           // each installation's share (default 10)
		steps   []string
		want    []string
		dropped []string
	}{
		{name: "no request in flight: a job starts at once",
			steps: []string{"push a", "wait start a"},
			want:  []string{"start a"}},
		{name: "a request in flight holds a job until it ends",
			steps: []string{"begin", "push a", "wait held a", "end", "wait start a"},
			want:  []string{"held a", "end", "start a", "held a for 0s"}},
		{name: "held until the last of several requests ends",
			steps: []string{"begin", "begin", "push a", "wait held a", "end", "end", "wait start a"},
			want:  []string{"held a", "end", "end", "start a", "held a for 0s"}},
		{name: "a job that waited the longest hold starts though a request is in flight",
			steps: []string{"begin", "push a", "wait held a", "tick", "wait held a for 50ms", "end"},
			want:  []string{"held a", "tick", "start a", "held a for 50ms", "end"}},
		{name: "background jobs are held too",
			steps: []string{"begin", "bg a", "wait held a", "end", "wait start a"},
			want:  []string{"held a", "end", "start a", "held a for 0s"}},
		{name: "a newer job of a held one's key replaces it, and keeps its place and its time",
			steps:   []string{"begin", "push a=k", "wait held a", "push b=k", "tick", "wait held b for 50ms", "end"},
			want:    []string{"held a", "tick", "start b", "held b for 50ms", "end"},
			dropped: []string{"a"}},
		{name: "jobs held, then started in the queue's order (round-robin across installations)",
			steps: []string{"begin", "push a@1", "wait held a", "push b@1", "push c@2", "end", "wait start b"},
			want:  []string{"held a", "end", "start a", "held a for 0s", "start c", "start b"}},
		{name: "held for the quiet time after the last request",
			quiet: 5 * time.Millisecond,
			steps: []string{"begin", "push a", "wait held a", "end", "wait held a quiet", "tick 5ms", "wait start a"},
			want:  []string{"held a", "end", "held a quiet", "tick", "start a", "held a for 5ms"}},
		{name: "a request in the quiet time holds on",
			quiet: 5 * time.Millisecond,
			steps: []string{"begin", "push a", "wait held a", "end", "wait held a quiet", "begin", "tick 5ms", "end", "tick 5ms", "wait start a"},
			want:  []string{"held a", "end", "held a quiet", "tick", "end", "tick", "start a", "held a for 10ms"}},
		{name: "the quiet time does not hold a job past the longest hold",
			quiet: time.Hour,
			steps: []string{"begin", "push a", "wait held a", "end", "wait held a quiet", "tick", "wait start a"},
			want:  []string{"held a", "end", "held a quiet", "tick", "start a", "held a for 50ms"}},
		{name: "a nearly full queue is not held (size 4, 1 worker: at 4 waiting)", size: 4,
			steps: []string{"begin", "push a@1", "wait held a", "push b@2", "push c@3", "push d@4", "wait start a", "wait held b", "end", "wait start d"},
			want:  []string{"held a", "start a", "held a for 0s", "held b", "end", "start b", "held b for 0s", "start c", "start d"}},
		{name: "nor one installation's nearly full share (2 an installation, 1 worker: at 2 waiting)", perInst: 2,
			steps: []string{"begin", "push a@1", "wait held a", "push b@2", "push c@1", "wait start a", "wait held b", "end", "wait start c"},
			want:  []string{"held a", "start a", "held a for 0s", "held b", "end", "start b", "held b for 0s", "start c"}},
		{name: "without a gate nothing is held",
			noGate: true,
			steps:  []string{"begin", "push a", "wait start a", "end"},
			want:   []string{"start a", "end"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			log := newEventLog()
			clock := &fakeClock{t: time.Unix(1e9, 0)}
			inFlight := &InFlight{Quiet: tc.quiet, now: clock.now}
			var mu sync.Mutex
			var dropped []string
			size, perInst := cmp.Or(tc.size, 10), cmp.Or(tc.perInst, 10)
			opts := []QueueOption{WithPerInstallation(perInst), withTestHooks(clock,
				func(j Job) { log.add("start " + j.Kind) },
				func(j Job, busy time.Duration) {
					if busy == Forever {
						log.addOnce("held " + j.Kind)
					} else {
						log.addOnce("held " + j.Kind + " quiet") // no request in flight: the quiet time after one
					}
				})}
			if !tc.noGate {
				opts = append(opts, WithStartGate(inFlight, hold))
			}
			m := QueueMetrics{Held: func(kind string, d time.Duration) { log.add(fmt.Sprintf("held %s for %s", kind, d)) }}
			q := NewQueue(ctx, size, 1, slog.New(slog.DiscardHandler), m, opts...)
			for _, step := range tc.steps {
				verb, arg, _ := strings.Cut(step, " ")
				switch verb {
				case "begin":
					inFlight.Begin()
				case "end":
					log.add("end")
					inFlight.End()
				case "tick":
					d := hold
					if arg != "" {
						var err error
						if d, err = time.ParseDuration(arg); err != nil {
							t.Fatal(err)
						}
					}
					log.add("tick")
					clock.advance(d)
					// A worker may have read the clock before it moved and set its
					// timer after: make it look again, as its timer would.
					q.wake()
				case "wait":
					or := "" // what makes a hold never come: the job started
					if f := strings.Fields(arg); f[0] == "held" && !strings.Contains(arg, " for ") {
						or = "start " + f[1]
					}
					log.wait(arg, or)
				case "push", "bg":
					kind, inst, _ := strings.Cut(arg, "@")
					kind, key, ok := strings.Cut(kind, "=")
					if !ok {
						key = kind
					}
					var id int64
					fmt.Sscan(inst, &id)
					j := Job{Key: key, Kind: kind, Installation: id, Run: func(context.Context) error { return nil },
						Dropped: func() { mu.Lock(); dropped = append(dropped, kind); mu.Unlock() }}
					if verb == "bg" {
						must(t, q.PushBackground(j))
					} else {
						must(t, q.Push(j))
					}
				default:
					t.Fatalf("bad step %q", step)
				}
			}
			must(t, q.Shutdown(ctx))
			if got := log.all(); !slices.Equal(got, tc.want) {
				t.Errorf("saw\n  %q\nwant\n  %q", got, tc.want)
			}
			mu.Lock()
			defer mu.Unlock()
			if !slices.Equal(dropped, tc.dropped) {
				t.Errorf("dropped %q, want %q", dropped, tc.dropped)
			}
		})
	}
}

func TestHoldBack(t *testing.T) {
	const max = 50 * time.Millisecond
	for _, tc := range []struct {
		busy, waited time.Duration
		want         time.Duration
	}{
		{0, 0, 0},
		{0, time.Hour, 0},
		{Forever, 0, max},
		{Forever, 20 * time.Millisecond, 30 * time.Millisecond},
		{Forever, max, 0},
		{Forever, time.Hour, 0},
		{5 * time.Millisecond, 0, 5 * time.Millisecond},
		{5 * time.Millisecond, 48 * time.Millisecond, 2 * time.Millisecond},
		{5 * time.Millisecond, max, 0},
	} {
		if got := holdBack(tc.busy, tc.waited, max); got != tc.want {
			t.Errorf("holdBack(busy %s, waited %s, max %s) = %s, want %s", tc.busy, tc.waited, max, got, tc.want)
		}
	}
}

// TestInFlightBusy: the gate is busy while a request is in flight, then for the rest
// of its quiet time.
func TestInFlightBusy(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1e9, 0)}
	f := &InFlight{Quiet: 5 * time.Millisecond, now: clock.now}
	idle := 0
	f.OnIdle(func() { idle++ })
	for _, tc := range []struct {
		step string
		want time.Duration
		idle int
	}{
		{"", 0, 0},
		{"begin", Forever, 0},
		{"begin", Forever, 0},
		{"end", Forever, 0},
		{"end", 5 * time.Millisecond, 1},
		{"tick 2ms", 3 * time.Millisecond, 1},
		{"tick 3ms", 0, 1},
		{"begin", Forever, 1},
		{"end", 5 * time.Millisecond, 2},
		{"tick 1h", 0, 2},
	} {
		switch verb, arg, _ := strings.Cut(tc.step, " "); verb {
		case "begin":
			f.Begin()
		case "end":
			f.End()
		case "tick":
			d, _ := time.ParseDuration(arg)
			clock.advance(d)
		}
		if got := f.Busy(clock.now()); got != tc.want || idle != tc.idle {
			t.Fatalf("after %q: busy %s, idle called %d times; want %s, %d", tc.step, got, idle, tc.want, tc.idle)
		}
	}
}
