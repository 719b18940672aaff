package bot

import (
	"context"
	"sync"
	"testing"
)

// termElector leads once per term: a term ends when its channel closes.
type termElector struct{ terms []chan struct{} }

func (e termElector) Run(ctx context.Context, lead func(context.Context)) {
	for _, term := range e.terms {
		lctx, cancel := context.WithCancel(ctx)
		go func() { <-term; cancel() }()
		lead(lctx)
		cancel()
	}
	<-ctx.Done()
}

// Two tasks share one election: both lead in every term, one that joins during a term
// starts at once, and leadership ends only once both have stopped.
func TestLeaderGroup(t *testing.T) {
	term1, term2 := make(chan struct{}), make(chan struct{})
	g := NewLeaderGroup(termElector{terms: []chan struct{}{term1, term2}})
	var mu sync.Mutex
	leads := map[string]int{}
	started := make(chan string, 10)
	task := func(name string) func(context.Context) {
		return func(ctx context.Context) {
			mu.Lock()
			leads[name]++
			mu.Unlock()
			started <- name
			<-ctx.Done()
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { g.Elector().Run(ctx, task("scan")) })
	wg.Go(func() { g.Run(ctx) })
	<-started // scan leads in term 1
	wg.Go(func() { g.Elector().Run(ctx, task("drift")) })
	if got := <-started; got != "drift" {
		t.Fatalf("a task joining during a term did not start: %s", got)
	}
	close(term1)
	<-started
	<-started // both again in term 2
	close(term2)
	cancel()
	wg.Wait()
	if leads["scan"] != 2 || leads["drift"] != 2 {
		t.Errorf("leads: %v", leads)
	}
}
