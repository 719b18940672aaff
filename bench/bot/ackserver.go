package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/webhook"
)

// The benchmark's own binary, started with ackServerEnv set to a queue size, is the
// acknowledgement server: a process of its own, so that its CPU time is its own and
// not the client's.
const (
	ackServerEnv    = "BENCH_BOT_ACK_SERVER"
	ackProfileEnv   = "BENCH_BOT_ACK_CPUPROFILE"
	ackJobCPUEnv    = "BENCH_BOT_ACK_JOB_CPU"    // -ack-job-cpu
	ackStartHoldEnv = "BENCH_BOT_ACK_START_HOLD" // -ack-start-hold
)

// serveAcks runs bot.Server with a handler that queues a job per pull_request
// event (burning jobCPU of CPU, none when 0), its job starts held back at most hold
// while deliveries are answered (bot.Config.StartHold), prints its URL, serves until
// stdin closes, then prints how many jobs ran, how many starts were held back and
// for how long in all.
func serveAcks(queueSize int, profile string, jobCPU, hold time.Duration) error {
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var ran atomic.Int64
	noop := func(ev webhook.Event) (bot.Job, bool) {
		e, ok := ev.Payload.(*webhook.PullRequestEvent)
		if !ok {
			return bot.Job{}, false
		}
		key := fmt.Sprintf("%s#%d", e.Repository.FullName, e.Number)
		return bot.Job{Key: key, Kind: "pull_request", Run: func(context.Context) error {
			burnCPU(jobCPU)
			ran.Add(1)
			return nil
		}}, true
	}
	ctx := context.Background()
	// The bot logs a line per delivery (cmd/bot: a text handler on stderr); here that
	// line is formatted and written to /dev/null, so its cost is measured too.
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer devNull.Close()
	logs := slog.New(slog.NewTextHandler(devNull, nil))
	metrics := bot.NewMetrics()
	srv, err := bot.NewServer(ctx, bot.Config{WebhookSecret: webhookSecret, Workers: 4, QueueSize: queueSize,
		Log: logs, Metrics: metrics, Routes: map[string]bot.Route{"pull_request": noop}, StartHold: hold})
	if err != nil {
		return err
	}
	// As cmd/bot listens: no TCP keep-alive probes set up on each accepted connection.
	lc := net.ListenConfig{KeepAlive: -1}
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	// GET /bench/idle answers 200 once no job waits or runs: the client waits for it
	// between rounds, so that a round's jobs do not run into the next burst.
	mux := http.NewServeMux()
	mux.Handle("/", srv.Handler())
	mux.HandleFunc("/bench/idle", func(w http.ResponseWriter, _ *http.Request) {
		if st := srv.QueueState(); st.Waiting > 0 || st.Running > 0 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
		}
	})
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	go func() { _ = hs.Serve(ln) }()
	fmt.Printf("http://%s\n", ln.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = hs.Close()
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	held, heldTime, err := heldStarts(metrics)
	if err != nil {
		return err
	}
	fmt.Println(ran.Load(), held, int64(heldTime)) // nanoseconds
	return nil
}

// heldStarts is what gitops_bot_queue_start_held_seconds counted: the job starts
// held back and their time held in all.
func heldStarts(m *bot.Metrics) (int64, time.Duration, error) {
	mfs, err := m.Registry.Gather()
	if err != nil {
		return 0, 0, err
	}
	for _, mf := range mfs {
		if mf.GetName() == "gitops_bot_queue_start_held_seconds" && len(mf.GetMetric()) == 1 {
			h := mf.GetMetric()[0].GetHistogram()
			return int64(h.GetSampleCount()), time.Duration(h.GetSampleSum() * float64(time.Second)), nil
		}
	}
	return 0, 0, nil
}

// burnCPU keeps its thread busy for d of CPU time (its thread's, RUSAGE_THREAD), as
// a job that renders and diffs would, whatever else runs on the CPUs.
func burnCPU(d time.Duration) {
	if d <= 0 {
		return
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := threadCPU()
	buf := make([]byte, 1024)
	for threadCPU()-start < d {
		sum := sha256.Sum256(buf)
		buf[0] = sum[0]
	}
}

// threadCPU is the calling thread's CPU time so far, user and system.
func threadCPU() time.Duration {
	const rusageThread = 1 // RUSAGE_THREAD, Linux
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU is the user + system CPU time of pid from /proc/PID/stat (USER_HZ 100).
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad utime or stime", pid)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}
