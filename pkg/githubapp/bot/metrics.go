package bot

import (
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/webhook"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/registryevent"
)

// Label values: every label takes only values from a fixed set (anything else is
// counted as "other"), so that nobody can grow the metrics (docs/bot.md, Security).
// Requests refused before they are authenticated count in series that exist from the
// start.
var (
	deliveryOutcomes     = []string{"accepted", "duplicate", "ignored", "busy", "unauthorized", "too_large", "header_too_large", "bad_request"}
	notificationOutcomes = []string{"accepted", "duplicate", "ignored", "busy", "error", "unauthorized", "too_large", "bad_request"}
	// unauthenticatedOutcomes are those of requests refused before their sender is
	// known: webhook deliveries and registry notifications.
	unauthenticatedOutcomes         = []string{"unauthorized", "too_large", "header_too_large", "bad_request"}
	unauthenticatedRegistryOutcomes = []string{"unauthorized", "too_large", "bad_request"}
	// jobKinds are the kinds of the bot's jobs; an event's name is one too when
	// webhook.Known says so.
	jobKinds = []string{"pull_request", "push", "images", "package", "installation", "installation_repositories", "status",
		"index", "replan"} // the last two: background jobs (the image index, re-plans of stale pull requests)
)

const (
	otherLabel = "other"
	// maxRateLimitSeries bounds the installations that have a rate limit gauge: the
	// least recently updated one is dropped for a new one.
	maxRateLimitSeries = 100
)

// oneOf is v when it is in known, else "other".
func oneOf(v string, known []string) string {
	if slices.Contains(known, v) {
		return v
	}
	return otherLabel
}

// eventLabel is name when GitHub sends events of that name, else "other".
func eventLabel(name string) string {
	if webhook.Known(name) {
		return name
	}
	return otherLabel
}

// kindLabel is a job's kind when it is one of the bot's, else "other".
func kindLabel(kind string) string {
	if slices.Contains(jobKinds, kind) || webhook.Known(kind) {
		return kind
	}
	return otherLabel
}

// formatLabel is a registry notification's format when it is one the bot reads
// ("unknown" before it is known), else "other".
func formatLabel(format string) string {
	if format == "unknown" || format == registryevent.FormatGitHubPackage || slices.Contains(registryevent.Formats, format) {
		return format
	}
	return otherLabel
}

// statusLabel is an HTTP status code, "0" for no answer, "other" outside 100-599.
func statusLabel(code int) string {
	if code == 0 || code >= 100 && code <= 599 {
		return strconv.Itoa(code)
	}
	return otherLabel
}

// Metrics are the bot's Prometheus metrics, on a registry of their own.
type Metrics struct {
	Registry   *prometheus.Registry
	deliveries *prometheus.CounterVec
	queueDepth prometheus.Gauge
	bgDepth    prometheus.Gauge
	queueWait  *prometheus.HistogramVec
	jobs       *prometheus.HistogramVec
	superseded *prometheus.CounterVec
	held       prometheus.Histogram
	apiCalls   *prometheus.CounterVec
	rateLimit  *prometheus.GaugeVec

	registryNotifications *prometheus.CounterVec
	registryEvents        *prometheus.CounterVec

	rateMu   sync.Mutex
	rateSeen map[int64]time.Time // installations with a rate limit gauge, last updated

	inFlight atomic.Pointer[InFlight] // the requests counted by gitops_bot_requests_in_flight
}

// NewMetrics registers the bot's metrics and the Go runtime's.
func NewMetrics() *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		Registry: r,
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gitops_bot_webhook_deliveries_total",
			Help: "Webhook deliveries by event (a verified delivery of an event the bot knows; else other) and outcome (accepted, duplicate, ignored, busy, unauthorized, too_large, header_too_large, bad_request)."},
			[]string{"event", "outcome"}),
		queueDepth: prometheus.NewGauge(prometheus.GaugeOpts{Name: "gitops_bot_queue_depth", Help: "Jobs waiting (webhooks' jobs: the foreground)."}),
		bgDepth: prometheus.NewGauge(prometheus.GaugeOpts{Name: "gitops_bot_queue_background_depth",
			Help: "Background jobs waiting (the image index, re-plans of stale pull requests): they run only when no webhook's job waits."}),
		queueWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gitops_bot_queue_wait_seconds",
			Help: "Time jobs waited before a worker took them.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 10)}, []string{"kind"}),
		jobs: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gitops_bot_job_duration_seconds",
			Help: "Time jobs ran, by kind and outcome.", Buckets: prometheus.ExponentialBuckets(0.01, 3, 10)}, []string{"kind", "outcome"}),
		superseded: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gitops_bot_jobs_superseded_total",
			Help: "Queued jobs replaced by a newer one of the same key (e.g. a newer head of a pull request)."}, []string{"kind"}),
		held: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "gitops_bot_queue_start_held_seconds",
			Help:    "Time job starts were held back while webhook requests were being answered (only jobs held back).",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 9)}),
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gitops_bot_github_api_calls_total",
			Help: "GitHub API calls by HTTP status (0: no answer)."}, []string{"status"}),
		rateLimit: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "gitops_bot_github_rate_limit_remaining",
			Help: "X-RateLimit-Remaining of the last GitHub answer, per installation (0: the App itself; the 100 most recently updated)."}, []string{"installation"}),
		rateSeen: map[int64]time.Time{},
	}
	m.registryNotifications = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gitops_bot_registry_notifications_total",
		Help: "Registry notifications on /hooks/registry by format and outcome (accepted, duplicate, ignored, busy, error, unauthorized, too_large, bad_request)."},
		[]string{"format", "outcome"})
	m.registryEvents = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gitops_bot_registry_events_total",
		Help: "Image push events in registry notifications by format and outcome (accepted, duplicate, busy, error)."},
		[]string{"format", "outcome"})
	r.MustRegister(m.registryNotifications, m.registryEvents)
	inFlight := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gitops_bot_requests_in_flight",
		Help: "Webhook deliveries and registry notifications being answered; while any is, no job starts (at most the start hold)."},
		func() float64 {
			if f := m.inFlight.Load(); f != nil {
				return float64(f.Count())
			}
			return 0
		})
	r.MustRegister(m.deliveries, m.queueDepth, m.bgDepth, m.queueWait, m.jobs, m.superseded, m.held, inFlight, m.apiCalls, m.rateLimit,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// The series of refused requests exist from the start: no request creates one.
	for _, o := range unauthenticatedOutcomes {
		m.deliveries.WithLabelValues(otherLabel, o)
	}
	for _, o := range unauthenticatedRegistryOutcomes {
		m.registryNotifications.WithLabelValues("unknown", o)
	}
	return m
}

// Delivery counts a webhook delivery: event is a name GitHub sends (else it counts
// as "other"; the webhook says "other" for every delivery it has not verified).
func (m *Metrics) Delivery(event, outcome string) {
	m.deliveries.WithLabelValues(eventLabel(event), oneOf(outcome, deliveryOutcomes)).Inc()
}

// RegistryNotification counts a registry notification and its events.
func (m *Metrics) RegistryNotification(format, outcome string, events, duplicates int) {
	format, outcome = formatLabel(format), oneOf(outcome, notificationOutcomes)
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
		Depth:           func(n int) { m.queueDepth.Set(float64(n)) },
		BackgroundDepth: func(n int) { m.bgDepth.Set(float64(n)) },
		Waited:          func(kind string, d time.Duration) { m.queueWait.WithLabelValues(kindLabel(kind)).Observe(d.Seconds()) },
		Done: func(kind string, d time.Duration, err error) {
			outcome := "success"
			if err != nil {
				outcome = "failure"
			}
			m.jobs.WithLabelValues(kindLabel(kind), outcome).Observe(d.Seconds())
		},
		Superseded: func(kind string) { m.superseded.WithLabelValues(kindLabel(kind)).Inc() },
		Held:       func(_ string, d time.Duration) { m.held.Observe(d.Seconds()) },
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
		m.apiCalls.WithLabelValues(statusLabel(resp.StatusCode)).Inc()
		if v, err := strconv.Atoi(resp.Header.Get("X-RateLimit-Remaining")); err == nil {
			m.setRateLimit(installation, float64(v))
		}
		return resp, nil
	})
}

// setRateLimit sets the rate limit gauge of installation, dropping the least
// recently updated installation's when maxRateLimitSeries have one: anyone can
// install a public App, so installations are not bounded.
func (m *Metrics) setRateLimit(installation int64, v float64) {
	m.rateMu.Lock()
	defer m.rateMu.Unlock()
	if _, ok := m.rateSeen[installation]; !ok && len(m.rateSeen) >= maxRateLimitSeries {
		oldest, at := int64(0), time.Time{}
		for id, t := range m.rateSeen {
			if at.IsZero() || t.Before(at) {
				oldest, at = id, t
			}
		}
		delete(m.rateSeen, oldest)
		m.rateLimit.DeleteLabelValues(strconv.FormatInt(oldest, 10))
	}
	m.rateSeen[installation] = time.Now()
	m.rateLimit.WithLabelValues(strconv.FormatInt(installation, 10)).Set(v)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
