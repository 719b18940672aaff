package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/webhook"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/registryevent"
)

// Route turns one event into a job; ok is false when the event needs no work
// (an action the bot ignores, a ping). It must be quick: the work goes in the job.
type Route func(ev webhook.Event) (job Job, ok bool)

// Routes are the routes by event name, what a Server dispatches (Config.Routes).
// NewRoutes registers the bot's; a feature adds its own with Add (one route per
// event) or Chain (after the event's route, in one job). addAll is the one place
// where one table of routes is merged into another.
type Routes map[string]Route

// NewRoutes registers the routes of every event the bot serves, in one place:
//   - ping: acknowledged, no job;
//   - installation, installation_repositories: the Installations tracker (a removed
//     installation's cached token is dropped; the git cache's copies of repositories
//     removed go);
//   - pull_request, issue_comment, check_run (a re-run of a plan's check run): p, the
//     Planner;
//   - status: p's deployed notes on merged pull requests (deployed.go);
//   - with image automation (auto not nil, the BumpScheduler): push, and the
//     installation events chained after the tracker's so that auto's index follows
//     the repositories added and removed.
//
// GHCR's package and registry_package events come with Config.ImagesPushed: the
// Server adds them (withImagesPushed). A nil log is slog.Default().
func NewRoutes(p *Planner, auto *BumpScheduler, log *slog.Logger) Routes {
	if log == nil {
		log = slog.Default()
	}
	rs := Routes{}
	adders := []func(Routes) error{
		func(rs Routes) error {
			return rs.Add("ping", func(webhook.Event) (Job, bool) { return Job{}, false })
		},
		NewInstallations(p.App, p.GitCache, log).addRoutes,
		p.addRoutes,
		p.addDeployedRoutes,
	}
	if auto != nil {
		adders = append(adders, auto.addRoutes)
	}
	for _, add := range adders {
		if err := add(rs); err != nil {
			panic("bot: the bot's own handlers: " + err.Error()) // a bug, like http.ServeMux's duplicate pattern
		}
	}
	return rs
}

// Add registers r for event. It refuses an event that has a route already: two
// features that answer one event say how they combine (Chain).
func (rs Routes) Add(event string, r Route) error {
	if _, ok := rs[event]; ok {
		return fmt.Errorf("event %q has a handler already", event)
	}
	rs[event] = r
	return nil
}

// addAll adds every route of more (as Add, in event order). The events refused (they
// have a route already) are joined in the error; the others are added all the same.
func (rs Routes) addAll(more Routes) error {
	var errs []error
	for _, event := range more.Events() {
		if err := rs.Add(event, more[event]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Chain registers r to run after event's route, the two jobs as one (under the
// first job's key); alone when event has no route yet.
func (rs Routes) Chain(event string, r Route) {
	rs[event] = chain(rs[event], r)
}

// Events are the events with a route, sorted.
func (rs Routes) Events() []string {
	return slices.Sorted(maps.Keys(rs))
}

// withImagesPushed is rs with GHCR's package and registry_package events turned
// into calls of imagesPushed (PackageRoutes), unless rs has its own for them.
func (rs Routes) withImagesPushed(imagesPushed func(context.Context, []registryevent.Event) error, log *slog.Logger) Routes {
	out := maps.Clone(rs)
	if out == nil {
		out = Routes{}
	}
	_ = out.addAll(PackageRoutes(imagesPushed, log)) // refused: rs's own route wins
	return out
}

// chain runs first's job, then then's, as one job (first's key when it has one).
func chain(first, then Route) Route {
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
