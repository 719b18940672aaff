package bot

import (
	"context"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/webhook"
)

// TestNewRoutes: the bot's events, with and without image automation.
func TestNewRoutes(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	auto := newTestScheduler(t, &fakeBumper{}, &countingRegistry{}, &jobList{})
	tests := []struct {
		name string
		auto *BumpScheduler
		want []string
	}{
		{"plans only", nil, []string{"check_run", "installation", "installation_repositories", "issue_comment", "ping", "pull_request", "status"}},
		{"with image automation", auto, []string{"check_run", "installation", "installation_repositories", "issue_comment", "ping", "pull_request", "push", "status"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := NewRoutes(&Planner{}, tt.auto, quiet)
			if got := hs.Events(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("events %q, want %q", got, tt.want)
			}
			if _, ok := hs["ping"](webhook.Event{Name: "ping"}); ok {
				t.Error("a ping made a job")
			}
		})
	}
}

// TestRoutesAddAndChain: Add refuses a second handler for an event; Chain runs
// two as one job, under the first's key.
func TestRoutesAddAndChain(t *testing.T) {
	var ran []string
	handler := func(name string, ok bool) Route {
		return func(ev webhook.Event) (Job, bool) {
			return Job{Key: name + "/" + ev.Delivery, Run: func(context.Context) error { ran = append(ran, name); return nil }}, ok
		}
	}
	tests := []struct {
		name    string
		first   Route // registered with Add (nil: none)
		chained Route // registered with Chain
		wantKey string
		wantRan []string
		wantOK  bool
	}{
		{"chained alone", nil, handler("b", true), "b/d", []string{"b"}, true},
		{"both run, the first's key", handler("a", true), handler("b", true), "a/d", []string{"a", "b"}, true},
		{"the first has no work", handler("a", false), handler("b", true), "b/d", []string{"b"}, true},
		{"the chained has no work", handler("a", true), handler("b", false), "a/d", []string{"a"}, true},
		{"neither has work", handler("a", false), handler("b", false), "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ran = nil
			hs := Routes{}
			if tt.first != nil {
				must(t, hs.Add("ev", tt.first))
			}
			hs.Chain("ev", tt.chained)
			j, ok := hs["ev"](webhook.Event{Delivery: "d"})
			if ok != tt.wantOK {
				t.Fatalf("ok %v, want %v", ok, tt.wantOK)
			}
			if !ok {
				return
			}
			must(t, j.Run(context.Background()))
			if j.Key != tt.wantKey || !reflect.DeepEqual(ran, tt.wantRan) {
				t.Errorf("job %q ran %q, want %q running %q", j.Key, ran, tt.wantKey, tt.wantRan)
			}
		})
	}

	hs := Routes{}
	must(t, hs.Add("push", handler("a", true)))
	if err := hs.Add("push", handler("b", true)); err == nil || !strings.Contains(err.Error(), `"push" has a handler already`) {
		t.Errorf("a second handler for push: %v", err)
	}
}
