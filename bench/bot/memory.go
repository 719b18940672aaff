package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/netguard"
)

// procMem is a process's resident memory from /proc/PID/status, in bytes.
type procMem struct{ rss, hwm int64 }

// memResult is what the memory step measured.
type memResult struct {
	afterScan, afterEvents, afterPlan procMem
	heapAfterEvents                   int64 // go_memstats_heap_inuse_bytes from the bot's /metrics
	deliveries, busy                  int
	planTook                          time.Duration
	// atStart is the time from a pull request event sent 1 s after the bot's start
	// to its comment, while the start-up work (image index, re-plans) goes on;
	// sentAfter says how long after the start it was sent.
	atStart, sentAfter time.Duration
	log                string
}

// measureMemory builds cmd/bot and runs it as a subprocess against a fake GitHub
// whose App has c.installations installations. The bot's start-up scan lists them
// all (a token each, every repository's open pull requests); then an installation
// "created" event per installation (all its repositories but one) and an
// installation_repositories "added" event (the last one) populate its Installations
// tracker. Its RSS is read from /proc/PID/status: what the kernel counts, nothing
// estimated. Then it plans one pull request of the 100-object repository live.
func measureMemory(ctx context.Context, cl *cleanups, c config, fx *fixture, example map[string]any, work string) (*memResult, error) {
	bin := filepath.Join(work, "kubectl-gitops-bot")
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./cmd/bot")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build ./cmd/bot: %w: %s", err, out)
	}
	installs := map[int64][]string{}
	var repos []gitRepo
	for i := 1; i <= c.installations; i++ {
		for j := range c.reposPer {
			r := gitRepo{owner: fmt.Sprintf("org-%03d", i), name: fmt.Sprintf("repo-%02d", j)}
			if i == 1 && j == 0 {
				r = fx.live
			}
			installs[int64(i)] = append(installs[int64(i)], r.full())
			repos = append(repos, r)
		}
	}
	gh, err := newGitHub(cl, false, &fx.key.PublicKey, installs, repos...)
	if err != nil {
		return nil, err
	}
	keyFile, secretFile := filepath.Join(work, "app.pem"), filepath.Join(work, "webhook-secret")
	if err := os.WriteFile(keyFile, fx.keyPEM, 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(secretFile, webhookSecret, 0o600); err != nil {
		return nil, err
	}
	accessFile := filepath.Join(work, "cluster-access.yaml")
	if err := os.WriteFile(accessFile, []byte(clusterAccess), 0o600); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	res := &memResult{log: filepath.Join(work, "bot.log")}
	logf, err := os.Create(res.log)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, "--listen", addr, "--github-api-url", gh.URL+"/", "--app-id", strconv.Itoa(appID),
		"--app-private-key-file", keyFile, "--webhook-secret-file", secretFile, "--kubeconfig", fx.kubeconfig, "--cluster-access", accessFile, "--log-format", "json")
	cmd.Env = os.Environ()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	scanned := make(chan struct{})
	go watchLog(stderr, logf, "re-planned stale pull requests", scanned)
	url := "http://" + addr + "/webhook"

	// A pull request event 1 s after start (or as soon as the bot listens), during the
	// start-up work: the restart must not delay it.
	err = waitHealthy(ctx, addr)
	if err != nil {
		return nil, fmt.Errorf("the bot's /healthz: %w", err)
	}
	time.Sleep(time.Until(started.Add(time.Second)))
	res.sentAfter = time.Since(started)
	if res.atStart, _, err = eventToComment(ctx, gh, url, example, fx.live, 2); err != nil {
		return nil, fmt.Errorf("a pull request event 1 s after start: %w", err)
	}
	select {
	case <-scanned:
	case <-time.After(5 * time.Minute):
		return nil, fmt.Errorf("the bot did not finish its start-up scan within 5 minutes (log: %s)", res.log)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	pid := cmd.Process.Pid
	if res.afterScan, err = readMem(pid); err != nil {
		return nil, err
	}

	if err := feedInstallations(ctx, url, installs, res); err != nil {
		return nil, err
	}
	want := float64(2 * c.installations)
	err = waitFor(ctx, 2*time.Minute, func() bool {
		m, err := scrape("http://" + addr + "/metrics")
		return err == nil && m[`gitops_bot_job_duration_seconds_count{kind="installation",outcome="success"}`]+
			m[`gitops_bot_job_duration_seconds_count{kind="installation_repositories",outcome="success"}`] >= want
	})
	if err != nil {
		return nil, fmt.Errorf("installation events handled: %w", err)
	}
	m, err := scrape("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	res.heapAfterEvents = int64(m["go_memstats_heap_inuse_bytes"])
	if res.afterEvents, err = readMem(pid); err != nil {
		return nil, err
	}

	if res.planTook, _, err = eventToComment(ctx, gh, url, example, fx.live, 1); err != nil {
		return nil, err
	}
	if res.afterPlan, err = readMem(pid); err != nil {
		return nil, err
	}
	return res, nil
}

// feedInstallations delivers, 8 at a time, an installation "created" event with all
// but the last repository of each installation, then an installation_repositories
// "added" event with the last; a 503 (queue full) is counted and sent again.
func feedInstallations(ctx context.Context, url string, installs map[int64][]string, res *memResult) error {
	repoJSON := func(full string) map[string]any {
		owner, name, _ := strings.Cut(full, "/")
		return map[string]any{"id": len(full), "name": name, "full_name": full, "private": true, "owner": map[string]any{"login": owner}}
	}
	type delivery struct {
		event, id string
		body      []byte
	}
	var ds []delivery
	for id, names := range installs {
		inst := map[string]any{"id": id, "account": map[string]any{"login": strings.Split(names[0], "/")[0]}, "app_id": appID}
		var first []map[string]any
		for _, n := range names[:len(names)-1] {
			first = append(first, repoJSON(n))
		}
		created, _ := json.Marshal(map[string]any{"action": "created", "installation": inst, "repositories": first, "sender": map[string]any{"login": "admin"}})
		added, _ := json.Marshal(map[string]any{"action": "added", "installation": inst, "repository_selection": "selected",
			"repositories_added": []map[string]any{repoJSON(names[len(names)-1])}, "repositories_removed": []map[string]any{}, "sender": map[string]any{"login": "admin"}})
		ds = append(ds, delivery{"installation", fmt.Sprintf("inst-%d", id), created})
		ds = append(ds, delivery{"installation_repositories", fmt.Sprintf("inst-repos-%d", id), added})
	}
	// Every "created" before any "added", so each installation gets its events in order.
	order := make([]delivery, 0, len(ds))
	for _, ev := range []string{"installation", "installation_repositories"} {
		for _, d := range ds {
			if d.event == ev {
				order = append(order, d)
			}
		}
	}
	client := &http.Client{Transport: netguard.Transport(), Timeout: time.Minute}
	work := make(chan delivery)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range work {
				for attempt := 0; ; attempt++ {
					code, _, err := deliver(ctx, client, url, d.event, d.id, d.body)
					mu.Lock()
					res.deliveries++
					if err == nil && code == http.StatusServiceUnavailable {
						res.busy++
					}
					if err == nil && code != http.StatusAccepted && code != http.StatusServiceUnavailable {
						err = fmt.Errorf("%s %s: the webhook answered %d", d.event, d.id, code)
					}
					if err != nil && firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					if err != nil || code == http.StatusAccepted || attempt > 100 {
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	for i, d := range order {
		if i == len(order)/2 { // let the "created" jobs run first
			time.Sleep(500 * time.Millisecond)
		}
		work <- d
	}
	close(work)
	wg.Wait()
	return firstErr
}

// watchLog copies the bot's log to w and closes found at the first line holding msg.
func watchLog(r io.Reader, w io.Writer, msg string, found chan<- struct{}) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	done := false
	for sc.Scan() {
		fmt.Fprintln(w, sc.Text())
		if !done && strings.Contains(sc.Text(), msg) {
			close(found)
			done = true
		}
	}
}

// readMem reads VmRSS and VmHWM (the peak) of pid.
func readMem(pid int) (procMem, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procMem{}, err
	}
	var m procMem
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			m.rss = kb << 10
		case "VmHWM:":
			m.hwm = kb << 10
		}
	}
	return m, nil
}

// scrape reads a Prometheus text page into series -> value.
func scrape(url string) (map[string]float64, error) {
	resp, err := netguard.Client().Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err == nil {
			out[line[:i]] = v
		}
	}
	return out, sc.Err()
}

// freeAddr is a loopback address with a port free now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// waitHealthy waits up to a minute for the bot at addr to answer /healthz.
func waitHealthy(ctx context.Context, addr string) error {
	return waitFor(ctx, time.Minute, func() bool {
		resp, err := netguard.Client().Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	})
}
