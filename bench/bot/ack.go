package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ackResult is what the acknowledgement step measured.
type ackResult struct {
	latencies []time.Duration
	codes     map[int]int
	errors    int
	ran       int64 // no-op jobs run: one per accepted delivery
	bodyBytes int
	// lone are deliveries sent one at a time, after the warm-up: no contention.
	lone []time.Duration
	// serverCPU and clientCPU are the CPU time (user + system) of the server's
	// process and of this one over the concurrent rounds.
	serverCPU, clientCPU time.Duration
}

// measureAcks sends rounds of concurrent signed pull_request deliveries, one pull
// request each, to a bot.Server on a real loopback HTTP server in a process of its
// own (serveAcks). Every delivery opens its own connection, as GitHub's do. The
// handler queues a no-op job: the work behind an acknowledgement is not part of it.
func measureAcks(ctx context.Context, c config, example map[string]any) (res *ackResult, err error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), ackServerEnv+"="+strconv.Itoa(c.queueSize), ackProfileEnv+"="+c.cpuProfile)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer func() {
		stdin.Close()
		if werr := cmd.Wait(); werr != nil && err == nil {
			err = fmt.Errorf("acknowledgement server: %w", werr)
		}
	}()
	out := bufio.NewReader(stdout)
	base, err := out.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("acknowledgement server: %w", err)
	}
	url := strings.TrimSpace(base) + "/webhook"
	host := strings.TrimPrefix(strings.TrimSpace(base), "http://")
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: time.Minute}

	res = &ackResult{codes: map[int]int{}}
	// Warm-up, not counted: the first parse of each type, the server's goroutines.
	// Then lone deliveries, one at a time.
	for i := range 70 {
		body, err := prPayload(example, "acme", "fleet", 100000+i, fmt.Sprintf("%040x", i), 1)
		if err != nil {
			return nil, err
		}
		code, d, err := deliver(ctx, client, url, "pull_request", fmt.Sprintf("lone-%d", i), body)
		if err != nil {
			return nil, err
		}
		if code != http.StatusAccepted {
			return nil, fmt.Errorf("a lone delivery was answered %d", code)
		}
		if i >= 20 {
			res.lone = append(res.lone, d)
		}
	}
	var mu sync.Mutex
	for round := range c.rounds {
		bodies := make([][]byte, c.deliveries)
		for i := range bodies {
			n := round*c.deliveries + i + 1
			if bodies[i], err = prPayload(example, "acme", "fleet", n, fmt.Sprintf("%040x", n), 1); err != nil {
				return nil, err
			}
		}
		res.bodyBytes = len(bodies[0])
		reqs := make([][]byte, len(bodies))
		for i, body := range bodies {
			if reqs[i], err = signedRequest(url, "pull_request", fmt.Sprintf("r%d-%d", round, i), body); err != nil {
				return nil, err
			}
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, body := range bodies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				var code int
				var d time.Duration
				var err error
				if c.ackClient == "http" {
					code, d, err = deliver(ctx, client, url, "pull_request", fmt.Sprintf("r%d-%d", round, i), body)
				} else {
					code, d, err = deliverRaw(ctx, host, reqs[i])
				}
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					res.errors++
					return
				}
				res.codes[code]++
				res.latencies = append(res.latencies, d)
			}()
		}
		server0, err := procCPU(cmd.Process.Pid)
		if err != nil {
			return nil, err
		}
		client0 := cpuTime()
		close(start)
		wg.Wait()
		res.clientCPU += cpuTime() - client0
		server1, err := procCPU(cmd.Process.Pid)
		if err != nil {
			return nil, err
		}
		res.serverCPU += server1 - server0
		time.Sleep(200 * time.Millisecond) // let the queue drain between rounds
	}
	stdin.Close()
	rest, err := io.ReadAll(out)
	if err != nil {
		return nil, err
	}
	ran, err := strconv.ParseInt(strings.TrimSpace(string(rest)), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("acknowledgement server: jobs run %q: %w", rest, err)
	}
	res.ran = ran - 70
	return res, nil
}

// cpuTime is this process's CPU time so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
