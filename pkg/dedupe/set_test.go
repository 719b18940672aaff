package dedupe

import (
	"testing"
	"time"
)

func TestSet(t *testing.T) {
	now := time.Unix(0, 0)
	s := New(2, time.Hour)
	s.now = func() time.Time { return now }
	steps := []struct {
		op, id string
		want   bool
	}{
		{"reserve", "a", true},
		{"reserve", "a", false}, // a replay
		{"release", "a", false},
		{"reserve", "a", true}, // offered again after a failed queueing
		{"reserve", "b", true},
		{"reserve", "c", true}, // evicts a (size 2)
		{"reserve", "a", true},
		{"tick", "", false},
		{"reserve", "c", true}, // expired
	}
	for i, st := range steps {
		switch st.op {
		case "reserve":
			if got := s.Reserve(st.id); got != st.want {
				t.Fatalf("step %d: Reserve(%q) = %v, want %v", i, st.id, got, st.want)
			}
		case "release":
			s.Release(st.id)
		case "tick":
			now = now.Add(time.Hour)
		}
	}
}
