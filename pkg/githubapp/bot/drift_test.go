package bot

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot/statuspage"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// TestDriftStateOf: changes are drift; an unreachable cluster, a failed plan and a plan
// with problems never are.
func TestDriftStateOf(t *testing.T) {
	changes := func(actions ...plan.Action) *plan.Plan {
		p := &plan.Plan{}
		for _, a := range actions {
			p.Changes = append(p.Changes, plan.Change{Action: a})
		}
		return p
	}
	withProblem := changes(plan.Update)
	withProblem.Problems = []plan.Problem{{Message: "bad"}}
	for _, tt := range []struct {
		name    string
		plan    *plan.Plan
		err     error
		want    statuspage.DriftState
		objects int
	}{
		{"all unchanged", changes(plan.Unchanged, plan.Unchanged), nil, statuspage.InSync, 0},
		{"skipped objects are not drift", changes(plan.Skip), nil, statuspage.InSync, 0},
		{"edited, missing and left over", changes(plan.Update, plan.Create, plan.Delete, plan.Unchanged), nil, statuspage.Drifted, 3},
		{"cluster unreachable", nil, unavailable(errors.New("connection refused")), statuspage.Unreachable, 0},
		{"plan failed", nil, errors.New("render: boom"), statuspage.DriftCheckFailed, 0},
		{"plan with problems", withProblem, nil, statuspage.DriftCheckFailed, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, n := driftStateOf(tt.plan, tt.err)
			if got != tt.want || n != tt.objects {
				t.Errorf("driftStateOf = %q, %d; want %q, %d", got, n, tt.want, tt.objects)
			}
		})
	}
}

// TestDriftMetricsForget: a target no longer checked loses its series; the targets of a
// repository that could not be checked keep theirs, so their last check time ages.
func TestDriftMetricsForget(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := NewDriftMetrics(reg)
	now := time.Unix(1_700_000_000, 0)
	m.target("acme/fleet", "prod", statuspage.Drifted, 2, now)
	m.target("acme/fleet", "old", statuspage.InSync, 0, now)
	m.target("acme/down", "prod", statuspage.Unreachable, 0, now)

	m.forgetExcept(map[string]bool{"acme/fleet/prod": true}, map[string]bool{"acme/down": true})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, mf := range mfs {
		for _, mt := range mf.GetMetric() {
			var labels []string // by label name: repository, state, target
			for _, l := range mt.GetLabel() {
				labels = append(labels, l.GetValue())
			}
			got[mf.GetName()] = append(got[mf.GetName()], strings.Join(labels, "/"))
		}
	}
	for name, want := range map[string]string{
		"gitops_drift_last_check_timestamp_seconds": "acme/down/prod acme/fleet/prod",
		"gitops_drift_objects":                      "acme/fleet/prod", // unreachable: no count
		"gitops_drift_state":                        "acme/down/drift/prod acme/down/failed/prod acme/down/in-sync/prod acme/down/unreachable/prod acme/fleet/drift/prod acme/fleet/failed/prod acme/fleet/in-sync/prod acme/fleet/unreachable/prod",
	} {
		if g := strings.Join(got[name], " "); g != want {
			t.Errorf("%s: series %q, want %q", name, g, want)
		}
	}
}
