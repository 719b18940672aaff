package bot

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMetricLabelsBounded: whatever values reach the metrics (event names, formats,
// outcomes, job kinds, HTTP statuses, installations), each metric keeps a bounded
// number of series, and values outside the known ones count as "other".
func TestMetricLabelsBounded(t *testing.T) {
	const n = 1000
	const refused = 4 // unauthorized, too_large, header_too_large, bad_request
	random := func(i int) string { return fmt.Sprintf("made-up-%d-%s", i, strings.Repeat("x", i%50)) }
	for _, tc := range []struct {
		name   string
		metric string
		feed   func(m *Metrics, i int)
		max    int    // series of metric after n values
		want   string // a series that must exist
	}{
		{"webhook event names", "gitops_bot_webhook_deliveries_total", func(m *Metrics, i int) { m.Delivery(random(i), "unauthorized") },
			refused, `event="other",outcome="unauthorized"`},
		{"webhook outcomes", "gitops_bot_webhook_deliveries_total", func(m *Metrics, i int) { m.Delivery("push", random(i)) },
			refused + 1, `event="push",outcome="other"`},
		{"known event names", "gitops_bot_webhook_deliveries_total", func(m *Metrics, i int) {
			m.Delivery([]string{"pull_request", "registry_package", "ping"}[i%3], "accepted")
		}, refused + 3, `event="registry_package",outcome="accepted"`},
		{"registry formats", "gitops_bot_registry_notifications_total", func(m *Metrics, i int) { m.RegistryNotification(random(i), "accepted", 1, 1) },
			refused + 1, `format="other",outcome="accepted"`},
		{"registry outcomes", "gitops_bot_registry_events_total", func(m *Metrics, i int) { m.RegistryNotification("quay", random(i), 1, 1) },
			2, `format="quay",outcome="other"`},
		{"job kinds waited", "gitops_bot_queue_wait_seconds", func(m *Metrics, i int) { m.Queue().Waited(random(i), time.Second) },
			1, `kind="other"`},
		{"job kinds done", "gitops_bot_job_duration_seconds", func(m *Metrics, i int) { m.Queue().Done(random(i), time.Second, errors.New("x")) },
			1, `kind="other",outcome="failure"`},
		{"job kinds superseded", "gitops_bot_jobs_superseded_total", func(m *Metrics, i int) {
			m.Queue().Superseded([]string{random(i), "installation_repositories"}[i%2])
		}, 2, `kind="installation_repositories"`},
		{"GitHub statuses", "gitops_bot_github_api_calls_total", func(m *Metrics, i int) {
			call(t, m.Transport(0, answer(1000+i, nil)))
			call(t, m.Transport(0, answer(200, nil)))
		}, 2, `status="other"`},
		{"installations' rate limits", "gitops_bot_github_rate_limit_remaining", func(m *Metrics, i int) {
			call(t, m.Transport(int64(i), answer(200, http.Header{"X-Ratelimit-Remaining": {"42"}})))
		}, 100, fmt.Sprintf(`installation="%d"`, n-1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMetrics()
			for i := range n {
				tc.feed(m, i)
			}
			series := seriesOf(t, m, tc.metric)
			if len(series) > tc.max {
				t.Errorf("%s has %d series after %d values, want at most %d", tc.metric, len(series), n, tc.max)
			}
			if !slices.Contains(series, tc.want) {
				t.Errorf("no series %s{%s}", tc.metric, tc.want)
			}
		})
	}
}

// TestRefusedRequestsHaveSeries: the series refused requests count in exist before
// any request, so that no unauthenticated request creates one.
func TestRefusedRequestsHaveSeries(t *testing.T) {
	const refused = 4 // unauthorized, too_large, header_too_large, bad_request
	m := NewMetrics()
	for metric, want := range map[string]int{
		"gitops_bot_webhook_deliveries_total":     refused,
		"gitops_bot_registry_notifications_total": refused - 1, // no header_too_large
	} {
		if got := seriesOf(t, m, metric); len(got) != want {
			t.Errorf("%s: %d series before any request (%v), want %d", metric, len(got), got, want)
		}
	}
}

// seriesOf are the label sets of metric's series, as name="value",…
func seriesOf(t *testing.T, m *Metrics, metric string) []string {
	t.Helper()
	mfs, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, mf := range mfs {
		if mf.GetName() != metric {
			continue
		}
		for _, s := range mf.GetMetric() {
			var labels []string
			for _, l := range s.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			out = append(out, strings.Join(labels, ","))
		}
	}
	return out
}

func answer(code int, h http.Header) http.RoundTripper {
	return roundTripFunc(func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: code, Header: h, Body: http.NoBody}, nil
	})
}

func call(t *testing.T, rt http.RoundTripper) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "https://api.github.invalid/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
}
