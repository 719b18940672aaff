package bot

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot/statuspage"
)

// DriftMetrics are drift detection's metrics. The per-target series carry repository
// and target labels: only targets whose cluster the operator granted are checked, so
// the operator's grants bound them, and a target no longer checked loses its series
// after the next complete round.
type DriftMetrics struct {
	objects   *prometheus.GaugeVec
	lastCheck *prometheus.GaugeVec
	state     *prometheus.GaugeVec
	rounds    *prometheus.CounterVec
	duration  prometheus.Histogram
	leader    prometheus.Gauge

	mu   sync.Mutex
	keys map[string][2]string // "owner/name/target" → labels
}

var driftStates = []statuspage.DriftState{statuspage.InSync, statuspage.Drifted, statuspage.Unreachable, statuspage.DriftCheckFailed}

// NewDriftMetrics registers the metrics on reg; nil keeps them unregistered.
func NewDriftMetrics(reg prometheus.Registerer) *DriftMetrics {
	m := &DriftMetrics{
		objects: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "gitops_drift_objects",
			Help: "Objects of a target that differ from the default branch, are missing, or would be pruned, at the last check (0: in sync)."}, []string{"repository", "target"}),
		lastCheck: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "gitops_drift_last_check_timestamp_seconds",
			Help: "When a target was last checked for drift (Unix time)."}, []string{"repository", "target"}),
		state: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "gitops_drift_state",
			Help: "1 for a target's state at the last check: in-sync, drift, unreachable (the cluster did not answer) or failed (the plan failed or has problems)."}, []string{"repository", "target", "state"}),
		rounds: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gitops_drift_rounds_total",
			Help: "Rounds of drift checks over every repository, by outcome (success; partial: some repositories could not be checked)."}, []string{"outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "gitops_drift_round_duration_seconds",
			Help: "Time a round of drift checks took.", Buckets: prometheus.ExponentialBuckets(0.5, 3, 10)}),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{Name: "gitops_drift_leader",
			Help: "1 while this replica holds the drift Lease and runs the checks."}),
		keys: map[string][2]string{},
	}
	if reg != nil {
		reg.MustRegister(m.objects, m.lastCheck, m.state, m.rounds, m.duration, m.leader)
	}
	return m
}

func (m *DriftMetrics) target(repo, target string, state statuspage.DriftState, objects int, at time.Time) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.keys[repo+"/"+target] = [2]string{repo, target}
	m.mu.Unlock()
	if state == statuspage.InSync || state == statuspage.Drifted {
		m.objects.WithLabelValues(repo, target).Set(float64(objects))
	}
	m.lastCheck.WithLabelValues(repo, target).Set(float64(at.Unix()))
	for _, s := range driftStates {
		v := 0.0
		if s == state {
			v = 1
		}
		m.state.WithLabelValues(repo, target, string(s)).Set(v)
	}
}

// forgetExcept drops the series of targets not in seen ("owner/name/target"), but
// those of the repositories in kept ("owner/name"), which could not be checked.
func (m *DriftMetrics) forgetExcept(seen, kept map[string]bool) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, l := range m.keys {
		if seen[k] || kept[l[0]] {
			continue
		}
		delete(m.keys, k)
		m.objects.DeleteLabelValues(l[0], l[1])
		m.lastCheck.DeleteLabelValues(l[0], l[1])
		m.state.DeletePartialMatch(prometheus.Labels{"repository": l[0], "target": l[1]})
	}
}

func (m *DriftMetrics) round(d time.Duration, err error) {
	if m == nil {
		return
	}
	m.rounds.WithLabelValues(map[bool]string{true: "success", false: "partial"}[err == nil]).Inc()
	m.duration.Observe(d.Seconds())
}

func (m *DriftMetrics) setLeader(on bool) {
	if m == nil {
		return
	}
	m.leader.Set(map[bool]float64{true: 1, false: 0}[on])
}
