package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
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
	// latencies are the acknowledgements' times; with -ack-client preconnected, to
	// the kernel's receipt of the answer, and read those to this process reading it.
	latencies, read []time.Duration
	codes           map[int]int
	errors          int
	ran             int64 // no-op jobs run: one per accepted delivery
	bodyBytes       int
	// lone are deliveries sent one at a time, after the warm-up: no contention.
	lone []time.Duration
	// serverCPU and clientCPU are the CPU time (user + system) of the server's
	// process and of this one over the concurrent rounds.
	serverCPU, clientCPU time.Duration
	// acceptCPU is the server's CPU time while the preconnected client dialed its
	// connections, before the bursts (-ack-client preconnected only).
	acceptCPU time.Duration
	// held is how many job starts the server held back, and for how long in all.
	held     int64
	heldTime time.Duration
}

// measureAcks sends rounds of concurrent signed pull_request deliveries, one pull
// request each, to a bot.Server on a real loopback HTTP server in a process of its
// own (serveAcks). Every delivery has its own connection, as GitHub's do (dialed
// before the burst with -ack-client preconnected). The handler queues a job that
// burns -ack-job-cpu of CPU (none by default): the work behind an acknowledgement
// is not part of it, but may compete with it.
func measureAcks(ctx context.Context, c config, example map[string]any) (res *ackResult, err error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), ackServerEnv+"="+strconv.Itoa(c.queueSize), ackProfileEnv+"="+c.cpuProfile,
		ackJobCPUEnv+"="+c.ackJobCPU.String(), ackStartHoldEnv+"="+c.ackStartHold.String())
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
		// -ack-client preconnected: every connection of the burst is open (and
		// accepted by the server) before it starts.
		conns := make([]net.Conn, len(bodies))
		if c.ackClient == ackPreconnected {
			server0, err := procCPU(cmd.Process.Pid)
			if err != nil {
				return nil, err
			}
			for i := range conns {
				if conns[i], err = preconnect(ctx, host); err != nil {
					return nil, err
				}
			}
			time.Sleep(100 * time.Millisecond) // the server accepts them, reads nothing yet
			server1, err := procCPU(cmd.Process.Pid)
			if err != nil {
				return nil, err
			}
			res.acceptCPU += server1 - server0
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, body := range bodies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				var code int
				var d, read time.Duration
				var err error
				switch c.ackClient {
				case ackHTTP:
					code, d, err = deliver(ctx, client, url, "pull_request", fmt.Sprintf("r%d-%d", round, i), body)
				case ackRaw:
					code, d, err = deliverRaw(ctx, host, reqs[i])
				default:
					code, d, read, err = deliverOn(conns[i], reqs[i])
				}
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					res.errors++
					return
				}
				res.codes[code]++
				res.latencies = append(res.latencies, d)
				if read > 0 {
					res.read = append(res.read, read)
				}
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
		// Let the queue drain between rounds: a round's jobs do not run into the
		// next burst.
		if err := waitIdle(ctx, client, strings.TrimSuffix(url, "/webhook")+"/bench/idle"); err != nil {
			return nil, err
		}
		time.Sleep(200 * time.Millisecond)
	}
	stdin.Close()
	rest, err := io.ReadAll(out)
	if err != nil {
		return nil, err
	}
	var ran int64
	var held time.Duration
	if _, err := fmt.Sscan(string(rest), &ran, &res.held, &held); err != nil {
		return nil, fmt.Errorf("acknowledgement server: jobs run, held, held time %q: %w", rest, err)
	}
	res.ran, res.heldTime = ran-70, held
	return res, nil
}

// waitIdle waits until url answers 200: the acknowledgement server's queue is idle.
func waitIdle(ctx context.Context, client *http.Client, url string) error {
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("acknowledgement server: %w", err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cpuTime is this process's CPU time so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
