package inventory

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// renewal is the bookkeeping that decides, without any I/O, whether the lock is still
// ours. Another apply may take the lease over once renewTime + ttl has passed on its
// clock; renewTime is the moment a renewal request was started (the server may apply it
// any time after), so the lock counts as lost at lastStart + ttl - margin: before anyone
// else may take it, with room for clock drift between the two processes.
type renewal struct {
	ttl       time.Duration
	lastStart time.Time // start of the last renewal (or acquisition) known to have taken effect
	// pending maps the renewTime of each request sent since lastStart whose outcome is
	// unknown (its response was lost or timed out) to the moment it was started.
	pending map[string]time.Time
}

// lockMargin is how long before the lease could expire the lock counts as lost.
func lockMargin(ttl time.Duration) time.Duration { return ttl / 4 }

// renewPeriod is how often the lease is renewed: twice before the lock would count as lost.
func renewPeriod(ttl time.Duration) time.Duration { return ttl / 3 }

func newRenewal(ttl time.Duration, acquired time.Time) *renewal {
	return &renewal{ttl: ttl, lastStart: acquired, pending: map[string]time.Time{}}
}

// deadline is when the lock counts as lost unless a renewal started before then succeeds.
func (r *renewal) deadline() time.Time { return r.lastStart.Add(r.ttl - lockMargin(r.ttl)) }

// lost reports whether the lock counts as lost at now.
func (r *renewal) lost(now time.Time) bool { return !now.Before(r.deadline()) }

// attemptTimeout bounds one renewal request started at now: at most a renewal period,
// and at most half the time left, leaving the other half to find out what became of it.
func (r *renewal) attemptTimeout(now time.Time) time.Duration {
	return min(renewPeriod(r.ttl), r.deadline().Sub(now)/2)
}

// sent records a renewal request started at start, carrying renewTime.
func (r *renewal) sent(renewTime string, start time.Time) { r.pending[renewTime] = start }

// succeeded records that the renewal started at start took effect.
func (r *renewal) succeeded(start time.Time) {
	if start.After(r.lastStart) {
		r.lastStart = start
	}
	for k, t := range r.pending {
		if !t.After(r.lastStart) {
			delete(r.pending, k)
		}
	}
}

// verdict is what a lease read back after a failed renewal means.
type verdict int

const (
	verdictLost      verdict = iota // another holder has it, or it is gone
	verdictUnchanged                // ours, and no request of ours took effect since the last known one
	verdictRenewed                  // ours: a request whose response was lost took effect
)

// judge decides what a lease read back after a failed renewal means. Only this process
// writes its own holder identity, so a lease naming it is ours; its renewTime says which
// of our requests took effect (one we no longer track extends nothing).
func (r *renewal) judge(holder, readHolder, readRenewTime string) (verdict, time.Time) {
	if readHolder != holder {
		return verdictLost, time.Time{}
	}
	if start, ok := r.pending[readRenewTime]; ok {
		return verdictRenewed, start
	}
	return verdictUnchanged, time.Time{}
}

// formatRenewTime is renewTime as the API server returns it.
func formatRenewTime(t time.Time) string {
	return metav1.NewMicroTime(t).UTC().Format(metav1.RFC3339Micro)
}
