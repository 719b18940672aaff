package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"k8s.io/client-go/rest"
)

// requests counts the API requests the server handled, by verb ("dry-run APPLY" for
// dry-runs). It includes what the server does for itself on the tool's behalf (e.g.
// admission looking up a missing namespace), and a few background requests.
type requests map[string]int

func (r requests) total() int {
	n := 0
	for _, v := range r {
		n += v
	}
	return n
}

// String lists the verbs with more than 1% of the requests, most first.
func (r requests) String() string {
	type kv struct {
		k string
		v int
	}
	var all []kv
	for k, v := range r {
		if v > 0 && v*100 >= r.total() {
			all = append(all, kv{k, v})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v || (all[i].v == all[j].v && all[i].k < all[j].k) })
	parts := make([]string, 0, len(all))
	for _, e := range all {
		parts = append(parts, fmt.Sprintf("%s %d", e.k, e.v))
	}
	return strings.Join(parts, ", ")
}

// counter reads apiserver_request_total from the server's /metrics.
type counter struct {
	client *http.Client
	url    string
}

func newCounter(cfg *rest.Config) (*counter, error) {
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	return &counter{client: hc, url: strings.TrimSuffix(cfg.Host, "/") + "/metrics"}, nil
}

func (c *counter) read(ctx context.Context) (requests, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", c.url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read %s: %s", c.url, resp.Status)
	}
	out := requests{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "apiserver_request_total{") {
			continue
		}
		labels, value, ok := strings.Cut(strings.TrimPrefix(line, "apiserver_request_total{"), "} ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			continue
		}
		verb := label(labels, "verb")
		if label(labels, "dry_run") != "" {
			verb = "dry-run " + verb
		}
		out[verb] += int(v)
	}
	return out, sc.Err()
}

// label returns the value of key in a Prometheus label set (values have no commas
// or quotes in apiserver_request_total).
func label(labels, key string) string {
	for _, kv := range strings.Split(labels, ",") {
		k, v, _ := strings.Cut(kv, "=")
		if k == key {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// count runs fn and records in its measure the requests the server counted meanwhile.
func (c *counter) count(ctx context.Context, fn func() (measure, error)) (measure, error) {
	before, err := c.read(ctx)
	if err != nil {
		return measure{}, err
	}
	m, err := fn()
	if err != nil {
		return m, err
	}
	after, err := c.read(ctx)
	if err != nil {
		return m, err
	}
	m.requests = requests{}
	for k, v := range after {
		if d := v - before[k]; d > 0 {
			m.requests[k] = d
		}
	}
	return m, nil
}
