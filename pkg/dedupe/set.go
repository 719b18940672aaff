package dedupe

import (
	"container/list"
	"sync"
	"time"
)

// Set remembers recent ids, at most max of them for ttl, to drop replays. An id is
// reserved before its work is queued, so two copies arriving at once are taken once;
// a failed queueing releases it.
type Set struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	now   func() time.Time
	order *list.List // of *entry, oldest first
	byID  map[string]*list.Element
}

type entry struct {
	id string
	at time.Time
}

// New remembers up to size ids (at least one), each for ttl.
func New(size int, ttl time.Duration) *Set {
	return &Set{max: max(size, 1), ttl: ttl, now: time.Now, order: list.New(), byID: map[string]*list.Element{}}
}

// Reserve claims id; false when it is already claimed or taken.
func (s *Set) Reserve(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.expire(now)
	if _, ok := s.byID[id]; ok {
		return false
	}
	s.byID[id] = s.order.PushBack(&entry{id: id, at: now})
	for s.order.Len() > s.max {
		s.remove(s.order.Front())
	}
	return true
}

// Release forgets a reserved id, so the work can be offered again.
func (s *Set) Release(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.byID[id]; ok {
		s.remove(e)
	}
}

func (s *Set) expire(now time.Time) {
	for e := s.order.Front(); e != nil; e = s.order.Front() {
		if now.Sub(e.Value.(*entry).at) < s.ttl {
			return
		}
		s.remove(e)
	}
}

func (s *Set) remove(e *list.Element) {
	delete(s.byID, e.Value.(*entry).id)
	s.order.Remove(e)
}
