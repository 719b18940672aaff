package bot

import "github.com/prometheus/client_golang/prometheus"

// BumpMetrics count what image-bump runs do.
type BumpMetrics struct {
	branches *prometheus.CounterVec
	problemN prometheus.Counter
	failures prometheus.Counter
}

// NewBumpMetrics registers the image-bump metrics on reg (Metrics.Registry).
func NewBumpMetrics(reg prometheus.Registerer) *BumpMetrics {
	m := &BumpMetrics{
		branches: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gitops_bot_image_bump_branches_total",
			Help: "Image-bump branches by what was done to them and their pull request: opened, updated, unchanged, closed, problems; would-open, would-update, would-close under --git-readonly."},
			[]string{"action"}),
		problemN: prometheus.NewCounter(prometheus.CounterOpts{Name: "gitops_bot_image_bump_problems_total",
			Help: "Images that could not be checked or rewritten (registry failures, bad manifests)."}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{Name: "gitops_bot_image_bump_failures_total",
			Help: "Bump runs of a repository that ended with an error (git, GitHub)."}),
	}
	reg.MustRegister(m.branches, m.problemN, m.failures)
	return m
}

func (m *BumpMetrics) branch(action string, readOnly bool) {
	if m != nil {
		m.branches.WithLabelValues(actionName(action, readOnly)).Inc()
	}
}

func (m *BumpMetrics) problems(n int) {
	if m != nil {
		m.problemN.Add(float64(n))
	}
}

func (m *BumpMetrics) failed() {
	if m != nil {
		m.failures.Inc()
	}
}
