package bot

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the bot's Prometheus metrics, on a registry of their own.
type Metrics struct {
	Registry   *prometheus.Registry
	deliveries *prometheus.CounterVec
	queueDepth prometheus.Gauge
	queueWait  *prometheus.HistogramVec
	jobs       *prometheus.HistogramVec
	superseded *prometheus.CounterVec
	apiCalls   *prometheus.CounterVec
	rateLimit  *prometheus.GaugeVec

	registryNotifications *prometheus.CounterVec
	registryEvents        *prometheus.CounterVec
}

// NewMetrics registers the bot's metrics and the Go runtime's.
func NewMetrics() *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		Registry: r,
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gitops_bot_webhook_deliveries_total",
			Help: "Webhook deliveries by event and outcome (accepted, duplicate, ignored, busy, unauthorized, too_large, bad_request)."},
			[]string{"event", "outcome"}),
		queueDepth: prometheus.NewGauge(prometheus.GaugeOpts{Name: "gitops_bot_queue_depth", Help: "Jobs waiting."}),
		queueWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gitops_bot_queue_wait_seconds",
			Help: "Time jobs waited before a worker took them.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 10)}, []string{"kind"}),
		jobs: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gitops_bot_job_duration_seconds",
			Help: "Time jobs ran, by kind and outcome.", Buckets: prometheus.ExponentialBuckets(0.01, 3, 10)}, []string{"kind", "outcome"}),
		superseded: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gitops_bot_jobs_superseded_total",
			Help: "Queued jobs replaced by a newer one of the same key (e.g. a newer head of a pull request)."}, []string{"kind"}),
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gitops_bot_github_api_calls_total",
			Help: "GitHub API calls by HTTP status (0: no answer)."}, []string{"status"}),
		rateLimit: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "gitops_bot_github_rate_limit_remaining",
			Help: "X-RateLimit-Remaining of the last GitHub answer, per installation (0: the App itself)."}, []string{"installation"}),
	}
	m.registryNotifications = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gitops_bot_registry_notifications_total",
		Help: "Registry notifications on /hooks/registry by format and outcome (accepted, duplicate, ignored, busy, error, unauthorized, too_large, bad_request)."},
		[]string{"format", "outcome"})
	m.registryEvents = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gitops_bot_registry_events_total",
		Help: "Image push events in registry notifications by format and outcome (accepted, duplicate, busy, error)."},
		[]string{"format", "outcome"})
	r.MustRegister(m.registryNotifications, m.registryEvents)
	r.MustRegister(m.deliveries, m.queueDepth, m.queueWait, m.jobs, m.superseded, m.apiCalls, m.rateLimit,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Delivery counts a webhook delivery.
func (m *Metrics) Delivery(event, outcome string) {
	if event == "" {
		event = "none"
	}
	m.deliveries.WithLabelValues(event, outcome).Inc()
}

// RegistryNotification counts a registry notification and its events.
func (m *Metrics) RegistryNotification(format, outcome string, events, duplicates int) {
	m.registryNotifications.WithLabelValues(format, outcome).Inc()
	if events > 0 {
		m.registryEvents.WithLabelValues(format, outcome).Add(float64(events))
	}
	if duplicates > 0 {
		m.registryEvents.WithLabelValues(format, "duplicate").Add(float64(duplicates))
	}
}

// Queue is the queue's view of the metrics.
func (m *Metrics) Queue() QueueMetrics {
	return QueueMetrics{
		Depth:  func(n int) { m.queueDepth.Set(float64(n)) },
		Waited: func(kind string, d time.Duration) { m.queueWait.WithLabelValues(kind).Observe(d.Seconds()) },
		Done: func(kind string, d time.Duration, err error) {
			outcome := "success"
			if err != nil {
				outcome = "failure"
			}
			m.jobs.WithLabelValues(kind, outcome).Observe(d.Seconds())
		},
		Superseded: func(kind string) { m.superseded.WithLabelValues(kind).Inc() },
	}
}

// Transport counts the GitHub API calls made through rt and records the rate limit
// left for installation (0 for the App itself).
func (m *Metrics) Transport(installation int64, rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := rt.RoundTrip(req)
		if err != nil {
			m.apiCalls.WithLabelValues("0").Inc()
			return resp, err
		}
		m.apiCalls.WithLabelValues(strconv.Itoa(resp.StatusCode)).Inc()
		if v, err := strconv.Atoi(resp.Header.Get("X-RateLimit-Remaining")); err == nil {
			m.rateLimit.WithLabelValues(strconv.FormatInt(installation, 10)).Set(float64(v))
		}
		return resp, nil
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
