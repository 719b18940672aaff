package bot

import "github.com/prometheus/client_golang/prometheus"

// PlanMetrics count what the Planner does beside its comment and status.
type PlanMetrics struct {
	checkRunFailures prometheus.Counter
}

// NewPlanMetrics registers the plan metrics on reg (Metrics.Registry).
func NewPlanMetrics(reg prometheus.Registerer) *PlanMetrics {
	m := &PlanMetrics{
		checkRunFailures: prometheus.NewCounter(prometheus.CounterOpts{Name: "gitops_bot_check_run_failures_total",
			Help: "Plan check runs that could not be written (the comment and the status were; e.g. the installation lacks checks: write)."}),
	}
	reg.MustRegister(m.checkRunFailures)
	return m
}

func (m *PlanMetrics) checkRunFailed() {
	if m != nil {
		m.checkRunFailures.Inc()
	}
}
