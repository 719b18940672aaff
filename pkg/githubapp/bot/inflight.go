package bot

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultStartHold is the longest a job's start is held back while webhook requests
// are being answered (Config.StartHold).
const DefaultStartHold = 50 * time.Millisecond

// InFlight counts the requests being answered: webhook deliveries and registry
// notifications. It is the Server's queue's StartGate: while a request is in
// flight, no new job starts (up to the queue's longest hold), so a burst of
// deliveries is acknowledged before their jobs take the CPUs. The zero value is
// ready to use.
type InFlight struct {
	n    atomic.Int64
	mu   sync.Mutex
	idle []func()
}

// Busy says whether a request is being answered.
func (f *InFlight) Busy() bool { return f.n.Load() > 0 }

// Count is the number of requests being answered.
func (f *InFlight) Count() int64 { return f.n.Load() }

// OnIdle registers g, called each time the last request in flight ends.
func (f *InFlight) OnIdle(g func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.idle = append(f.idle, g)
}

// Begin counts a request in.
func (f *InFlight) Begin() { f.n.Add(1) }

// End counts a request out; the last one out calls the OnIdle functions.
func (f *InFlight) End() {
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
