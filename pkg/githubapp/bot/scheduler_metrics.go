package bot

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// SchedulerMetrics are the metrics of image automation's triggers: scans, bumps,
// tag lists, registry events, the index and leadership. They carry no repository or
// image label (those go to the logs), so their number stays small.
type SchedulerMetrics struct {
	scans        *prometheus.CounterVec
	scanDuration prometheus.Histogram
	bumps        *prometheus.CounterVec
	tagLists     *prometheus.CounterVec
	tagListTime  prometheus.Histogram
	events       *prometheus.CounterVec
	errors       *prometheus.CounterVec
	indexRepos   prometheus.Gauge
	indexImages  prometheus.Gauge
	indexRead    prometheus.Gauge
	indexListed  prometheus.Gauge
	indexAge     prometheus.GaugeFunc
	indexReads   *prometheus.CounterVec
	leader       prometheus.Gauge

	builtAt atomic.Int64 // when the last complete index build ended, Unix nanoseconds (0: none yet)
}

// NewSchedulerMetrics registers the metrics on reg (the bot's Metrics.Registry); a
// nil reg keeps them unregistered (tests, benchmarks).
func NewSchedulerMetrics(reg prometheus.Registerer) *SchedulerMetrics {
	m := &SchedulerMetrics{
		scans: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gitops_bot_automation_scans_total",
			Help: "Periodic image scans by outcome (success; partial: some repositories or images failed; aborted: stopped early)."}, []string{"outcome"}),
		scanDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "gitops_bot_automation_scan_duration_seconds",
			Help: "Time a periodic scan took.", Buckets: prometheus.ExponentialBuckets(0.1, 3, 10)}),
		bumps: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gitops_bot_automation_repos_bumped_total",
			Help: "Repositories whose image-bump pull requests were made current, by trigger (scan, event, push) and outcome."}, []string{"trigger", "outcome"}),
		tagLists: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gitops_bot_automation_tag_lists_total",
			Help: "Tag lists read from registries (every page of one image), by trigger (scan, event, push) and outcome."}, []string{"trigger", "outcome"}),
		tagListTime: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "gitops_bot_automation_tag_list_seconds",
			Help: "Time to read one image's tag list (every page).", Buckets: prometheus.ExponentialBuckets(0.01, 3, 10)}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gitops_bot_automation_registry_events_total",
			Help: "Pushed images reported by registries and GHCR, by outcome (queued; unused: no repository automates the image; duplicate; busy: queue full)."}, []string{"outcome"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gitops_bot_automation_errors_total",
			Help: "Failures by stage (index: reading a repository's images; bump; tags: a registry's tag list)."}, []string{"stage"}),
		indexRepos: prometheus.NewGauge(prometheus.GaugeOpts{Name: "gitops_bot_automation_index_repositories",
			Help: "Repositories with automated images in this replica's index."}),
		indexImages: prometheus.NewGauge(prometheus.GaugeOpts{Name: "gitops_bot_automation_index_images",
			Help: "Distinct image repositories in this replica's index."}),
		indexRead: prometheus.NewGauge(prometheus.GaugeOpts{Name: "gitops_bot_automation_index_build_read_repositories",
			Help: "Repositories the index build under way (else the last one) has read so far; it is complete at gitops_bot_automation_index_build_listed_repositories."}),
		indexListed: prometheus.NewGauge(prometheus.GaugeOpts{Name: "gitops_bot_automation_index_build_listed_repositories",
			Help: "Installed repositories the index build under way (else the last one) reads."}),
		indexReads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gitops_bot_automation_index_reads_total",
			Help: "Repositories the index looked at, by outcome (read; unchanged: the default branch had not moved since it was read, nothing read; failed)."}, []string{"outcome"}),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{Name: "gitops_bot_automation_leader",
			Help: "1 while this replica holds the lease and runs the periodic scan."}),
	}
	m.indexAge = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gitops_bot_automation_index_age_seconds",
		Help: "Seconds since the last complete index build ended (at start, and every 30 minutes); -1 until the first one ends."},
		func() float64 { return m.indexAgeSeconds(time.Now()) })
	if reg != nil {
		reg.MustRegister(m.scans, m.scanDuration, m.bumps, m.tagLists, m.tagListTime, m.events, m.errors, m.indexRepos, m.indexImages,
			m.indexRead, m.indexListed, m.indexAge, m.indexReads, m.leader)
	}
	return m
}

func (m *SchedulerMetrics) tagList(trigger string) func(string, time.Duration, error) {
	return func(_ string, d time.Duration, err error) {
		m.tagLists.WithLabelValues(trigger, outcome(err)).Inc()
		m.tagListTime.Observe(d.Seconds())
		if err != nil {
			m.errors.WithLabelValues("tags").Inc()
		}
	}
}

func (m *SchedulerMetrics) bumped(trigger string, err error) {
	m.bumps.WithLabelValues(trigger, outcome(err)).Inc()
	if err != nil {
		m.errors.WithLabelValues("bump").Inc()
	}
}

func (m *SchedulerMetrics) index(x *ImageIndex) {
	r, i := x.Size()
	m.indexRepos.Set(float64(r))
	m.indexImages.Set(float64(i))
}

// buildStarted records that an index build of n repositories started.
func (m *SchedulerMetrics) buildStarted(n int) {
	m.indexRead.Set(0)
	m.indexListed.Set(float64(n))
}

// buildRead records that the index build read one more repository (or failed to).
func (m *SchedulerMetrics) buildRead() { m.indexRead.Inc() }

// buildDone records that an index build read every repository it listed, at t.
func (m *SchedulerMetrics) buildDone(t time.Time) { m.builtAt.Store(t.UnixNano()) }

// indexAgeSeconds is the time from the last complete index build to now; -1 before
// the first.
func (m *SchedulerMetrics) indexAgeSeconds(now time.Time) float64 {
	at := m.builtAt.Load()
	if at == 0 {
		return -1
	}
	return now.Sub(time.Unix(0, at)).Seconds()
}

// SetLeader records whether this replica leads.
func (m *SchedulerMetrics) SetLeader(leading bool) {
	v := 0.0
	if leading {
		v = 1
	}
	m.leader.Set(v)
}

func outcome(err error) string {
	if err != nil {
		return "failure"
	}
	return "success"
}
