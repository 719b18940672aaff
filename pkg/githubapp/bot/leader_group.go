package bot

import (
	"context"
	"sync"
)

// LeaderGroup shares one Elector (one Lease) among the work that runs on the leader
// only: the periodic image scan and drift detection. Its Run holds the election;
// each task joins through Elector(), whose Run leads while the group leads, starting at
// once when it already does. A task's lead function must return when its context ends.
type LeaderGroup struct {
	el Elector

	mu      sync.Mutex
	lctx    context.Context // the leader's context while leading, else nil
	joined  map[*groupTask]bool
	running sync.WaitGroup
}

type groupTask struct {
	ctx  context.Context
	lead func(context.Context)
}

// NewLeaderGroup shares el.
func NewLeaderGroup(el Elector) *LeaderGroup {
	return &LeaderGroup{el: el, joined: map[*groupTask]bool{}}
}

// Run takes part in the election until ctx ends; while leading, every joined task
// leads. It returns once every task's lead function has returned.
func (g *LeaderGroup) Run(ctx context.Context) {
	g.el.Run(ctx, func(lctx context.Context) {
		g.mu.Lock()
		g.lctx = lctx
		for t := range g.joined {
			g.start(t, lctx)
		}
		g.mu.Unlock()
		<-lctx.Done()
		g.mu.Lock()
		g.lctx = nil
		g.mu.Unlock()
		g.running.Wait() // leadership ends once every task has stopped
	})
}

// Elector is an Elector for one task of the group.
func (g *LeaderGroup) Elector() Elector { return groupElector{g} }

type groupElector struct{ g *LeaderGroup }

// Run leads while the group leads, until ctx ends.
func (e groupElector) Run(ctx context.Context, lead func(context.Context)) {
	g := e.g
	t := &groupTask{ctx: ctx, lead: lead}
	g.mu.Lock()
	g.joined[t] = true
	if g.lctx != nil {
		g.start(t, g.lctx)
	}
	g.mu.Unlock()
	<-ctx.Done()
	g.mu.Lock()
	delete(g.joined, t)
	g.mu.Unlock()
}

// start runs t's lead function under both its own context and the leader's. g.mu is held.
func (g *LeaderGroup) start(t *groupTask, lctx context.Context) {
	ctx, cancel := context.WithCancel(t.ctx)
	stop := context.AfterFunc(lctx, cancel)
	g.running.Add(1)
	go func() {
		defer g.running.Done()
		defer cancel()
		defer stop()
		t.lead(ctx)
	}()
}
