package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/webhook"
)

// The benchmark's own binary, started with ackServerEnv set to a queue size, is the
// acknowledgement server: a process of its own, so that its CPU time is its own and
// not the client's.
const (
	ackServerEnv  = "BENCH_BOT_ACK_SERVER"
	ackProfileEnv = "BENCH_BOT_ACK_CPUPROFILE"
)

// serveAcks runs bot.Server with a handler that queues a no-op job per
// pull_request event, prints its URL, serves until stdin closes, then prints how
// many jobs ran.
func serveAcks(queueSize int, profile string) error {
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
		return bot.Job{Key: key, Kind: "pull_request", Run: func(context.Context) error { ran.Add(1); return nil }}, true
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
	srv, err := bot.NewServer(ctx, bot.Config{WebhookSecret: webhookSecret, Workers: 4, QueueSize: queueSize,
		Log: logs, Routes: map[string]bot.Route{"pull_request": noop}})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	fmt.Printf("http://%s\n", ln.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = hs.Close()
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	fmt.Println(ran.Load())
	return nil
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
