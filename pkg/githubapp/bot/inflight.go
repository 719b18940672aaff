package bot

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of the Server's start gate (Config.StartHold, InFlight.Quiet).
const (
	// DefaultStartHold is the longest a job's start is held back while webhook
	// requests are being answered.
	DefaultStartHold = 50 * time.Millisecond
	// DefaultQuiet is how long after the last request the gate stays busy: within a
	// burst, one request often ends before the next is read, and a job started in
	// that gap would run through the rest of the burst.
	DefaultQuiet = 5 * time.Millisecond
)

// InFlight counts the requests being answered: webhook deliveries and registry
// notifications. It is the Server's queue's StartGate: while a request is in
// flight, or one ended less than Quiet ago, no new job starts (up to the queue's
// longest hold), so a burst of deliveries is acknowledged before their jobs take
// the CPUs. The zero value is ready to use, with no quiet time.
type InFlight struct {
	// Quiet is how long the gate stays busy after the last request ended. Set it
	// before use.
	Quiet time.Duration

	n       atomic.Int64
	lastEnd atomic.Int64 // when the last request ended, in now's Unix nanoseconds
	mu      sync.Mutex
	idle    []func()
	now     func() time.Time // time.Now when nil; tests set a clock
}

// Busy is how long from now the gate is busy at least: Forever while a request is
// in flight, the rest of the quiet time after the last one, else 0.
func (f *InFlight) Busy(now time.Time) time.Duration {
	if f.n.Load() > 0 {
		return Forever
	}
	if f.Quiet <= 0 {
		return 0
	}
	return max(f.Quiet-now.Sub(time.Unix(0, f.lastEnd.Load())), 0)
}

// Count is the number of requests being answered.
func (f *InFlight) Count() int64 { return f.n.Load() }

// OnIdle registers g, called each time the last request in flight ends (the quiet
// time starts then: Busy says how long it still lasts).
func (f *InFlight) OnIdle(g func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.idle = append(f.idle, g)
}

// Begin counts a request in.
func (f *InFlight) Begin() { f.n.Add(1) }

// End counts a request out; the last one out calls the OnIdle functions.
func (f *InFlight) End() {
	if f.Quiet > 0 {
		now := time.Now
		if f.now != nil {
			now = f.now
		}
		f.lastEnd.Store(now().UnixNano())
	}
	if f.n.Add(-1) != 0 {
		return
	}
	f.mu.Lock()
	idle := f.idle
	f.mu.Unlock()
	for _, g := range idle {
		g()
	}
}

// Track counts h's requests in while they are served.
func (f *InFlight) Track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.Begin()
		defer f.End()
		h.ServeHTTP(w, r)
	})
}
