package inventory

import (
	"testing"
	"time"
)

func TestRenewalDeadline(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ttl := 60 * time.Second
	tests := []struct {
		name      string
		renewedAt []time.Duration // starts of renewals that took effect, after t0
		now       time.Duration
		lost      bool
	}{
		{"fresh", nil, 0, false},
		{"just before the margin", nil, 45*time.Second - time.Nanosecond, false},
		{"at ttl minus the margin: lost before the lease can expire", nil, 45 * time.Second, true},
		{"renewed: measured from the renewal's start", []time.Duration{20 * time.Second}, 64 * time.Second, false},
		{"renewed, then nothing", []time.Duration{20 * time.Second}, 65 * time.Second, true},
		{"an older renewal taking effect late extends nothing", []time.Duration{40 * time.Second, 20 * time.Second}, 85 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRenewal(ttl, t0)
			for _, d := range tt.renewedAt {
				r.succeeded(t0.Add(d))
			}
			if got := r.lost(t0.Add(tt.now)); got != tt.lost {
				t.Errorf("lost at +%s = %v, want %v (deadline %s)", tt.now, got, tt.lost, r.deadline().Sub(t0))
			}
		})
	}
}

func TestRenewalAttemptTimeout(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := newRenewal(60*time.Second, t0)
	tests := []struct {
		now, want time.Duration
	}{
		{0, 20 * time.Second},                        // a renewal period
		{20 * time.Second, 12500 * time.Millisecond}, // half of the 25s left
		{44 * time.Second, 500 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := r.attemptTimeout(t0.Add(tt.now)); got != tt.want {
			t.Errorf("attemptTimeout at +%s = %s, want %s", tt.now, got, tt.want)
		}
	}
}

// TestRenewalJudge: after a renewal whose answer was lost, the lease read back decides.
func TestRenewalJudge(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sentAt := t0.Add(20 * time.Second)
	tests := []struct {
		name        string
		readHolder  string
		readRenew   string
		want        verdict
		wantStart   time.Time
		wantPending int
	}{
		{"our renewal took effect", "me", formatRenewTime(sentAt), verdictRenewed, sentAt, 0},
		{"nothing of ours took effect", "me", formatRenewTime(t0), verdictUnchanged, time.Time{}, 1},
		{"another holder took it", "other", formatRenewTime(sentAt), verdictLost, time.Time{}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRenewal(60*time.Second, t0)
			r.sent(formatRenewTime(sentAt), sentAt)
			v, start := r.judge("me", tt.readHolder, tt.readRenew)
			if v != tt.want || !start.Equal(tt.wantStart) {
				t.Fatalf("judge = %v, %s; want %v, %s", v, start, tt.want, tt.wantStart)
			}
			if v == verdictRenewed {
				r.succeeded(start)
				if !r.deadline().Equal(sentAt.Add(45 * time.Second)) {
					t.Errorf("deadline %s, want 45s after the renewal's start", r.deadline())
				}
			}
			if len(r.pending) != tt.wantPending {
				t.Errorf("%d pending renewals, want %d", len(r.pending), tt.wantPending)
			}
		})
	}
}
