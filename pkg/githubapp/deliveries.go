package githubapp

import (
	"container/list"
	"sync"
	"time"
)

// deliverySet remembers recent delivery ids, at most max of them for ttl, to drop
// replays. An id is reserved before its event is queued, so two copies arriving at
// once are taken once; a failed queueing releases it.
type deliverySet struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	now   func() time.Time
	order *list.List // of *delivery, oldest first
	byID  map[string]*list.Element
}

type delivery struct {
	id string
	at time.Time
}

func newDeliverySet(size int, ttl time.Duration) *deliverySet {
	return &deliverySet{max: max(size, 1), ttl: ttl, now: time.Now, order: list.New(), byID: map[string]*list.Element{}}
}

// reserve claims id; false when it is already claimed or taken.
func (s *deliverySet) reserve(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.expire(now)
	if _, ok := s.byID[id]; ok {
		return false
	}
	s.byID[id] = s.order.PushBack(&delivery{id: id, at: now})
	for s.order.Len() > s.max {
		s.remove(s.order.Front())
	}
	return true
}

// release forgets a reserved id, so the delivery can be made again.
func (s *deliverySet) release(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.byID[id]; ok {
		s.remove(e)
	}
}

func (s *deliverySet) expire(now time.Time) {
	for e := s.order.Front(); e != nil; e = s.order.Front() {
		if now.Sub(e.Value.(*delivery).at) < s.ttl {
			return
		}
		s.remove(e)
	}
}

func (s *deliverySet) remove(e *list.Element) {
	delete(s.byID, e.Value.(*delivery).id)
	s.order.Remove(e)
}
