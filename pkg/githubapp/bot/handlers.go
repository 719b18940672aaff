package bot

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/webhook"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/registryevent"
)

// Handler turns one event into a job; ok is false when the event needs no work
// (an action the bot ignores, a ping). It must be quick: the work goes in the job.
type Handler func(ev webhook.Event) (job Job, ok bool)

// Handlers are webhook handlers by event name, what a Server dispatches
// (Config.Handlers). NewHandlers registers the bot's; a feature adds its own with
// Add (one handler per event) or Chain (after the event's handler, in one job).
type Handlers map[string]Handler

// NewHandlers registers the handlers of every event the bot serves, in one place:
//   - ping: acknowledged, no job;
//   - installation, installation_repositories: the Installations tracker (a removed
//     installation's cached token is dropped);
//   - pull_request, issue_comment: p, the Planner;
//   - with image automation (auto not nil): push, and the installation events
//     chained after the tracker's so that auto's index follows the repositories
//     added and removed.
//
// GHCR's package and registry_package events come with Config.ImagesPushed: the
// Server adds them (withImagesPushed). A nil log is slog.Default().
func NewHandlers(p *Planner, auto *Automator, log *slog.Logger) Handlers {
	if log == nil {
		log = slog.Default()
	}
	hs := Handlers{}
	adders := []func(Handlers) error{
		func(hs Handlers) error {
			return hs.Add("ping", func(webhook.Event) (Job, bool) { return Job{}, false })
		},
		NewInstallations(p.App, log).addHandlers,
		p.addHandlers,
	}
	if auto != nil {
		adders = append(adders, auto.addHandlers)
	}
	for _, add := range adders {
		if err := add(hs); err != nil {
			panic("bot: the bot's own handlers: " + err.Error()) // a bug, like http.ServeMux's duplicate pattern
		}
	}
	return hs
}

// Add registers h for event. It refuses an event that has a handler already: two
// features that answer one event say how they combine (Chain).
func (hs Handlers) Add(event string, h Handler) error {
	if _, ok := hs[event]; ok {
		return fmt.Errorf("event %q has a handler already", event)
	}
	hs[event] = h
	return nil
}

// Chain registers h to run after event's handler, the two jobs as one (under the
// first job's key); alone when event has no handler yet.
func (hs Handlers) Chain(event string, h Handler) {
	hs[event] = chain(hs[event], h)
}

// Events are the events with a handler, sorted.
func (hs Handlers) Events() []string {
	return slices.Sorted(maps.Keys(hs))
}

// withImagesPushed is hs with GHCR's package and registry_package events turned
// into calls of imagesPushed (PackageHandlers), unless hs has its own for them.
func (hs Handlers) withImagesPushed(imagesPushed func(context.Context, []registryevent.Event) error, log *slog.Logger) Handlers {
	out := maps.Clone(hs)
	if out == nil {
		out = Handlers{}
	}
	for name, h := range PackageHandlers(imagesPushed, log) {
		_ = out.Add(name, h) // refused: hs's own handler wins
	}
	return out
}

// chain runs first's job, then then's, as one job (first's key when it has one).
func chain(first, then Handler) Handler {
	if first == nil {
		return then
	}
	return func(ev webhook.Event) (Job, bool) {
		j1, ok1 := first(ev)
		j2, ok2 := then(ev)
		switch {
		case !ok1:
			return j2, ok2
		case !ok2:
			return j1, ok1
		}
		return Job{Key: j1.Key, Kind: j1.Kind, Installation: j1.Installation, Run: func(ctx context.Context) error {
			if err := j1.Run(ctx); err != nil {
				return err
			}
			return j2.Run(ctx)
		}}, true
	}
}
