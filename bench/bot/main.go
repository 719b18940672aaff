package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/internal/benchmain"
)

type config struct {
	deliveries    int
	rounds        int
	queueSize     int
	objects       int
	runs          int
	installations int
	reposPer      int
	kubectl       string
	checked       bool
	keep          bool
	cpuProfile    string
	ackClient     string        // ackPreconnected, ackRaw or ackHTTP (ack_client.go)
	ackJobCPU     time.Duration // CPU each acknowledged delivery's job burns
	ackStartHold  time.Duration // bot.Config.StartHold of the acknowledgement server
	only          string        // one phase alone: "ack" or "bigrepo" (ack_only.go)
	bigrepo       bigrepoConfig
}

func main() {
	if q := os.Getenv(ackServerEnv); q != "" {
		size, err := strconv.Atoi(q)
		var jobCPU, hold time.Duration
		if err == nil {
			jobCPU, err = time.ParseDuration(os.Getenv(ackJobCPUEnv))
		}
		if err == nil {
			hold, err = time.ParseDuration(os.Getenv(ackStartHoldEnv))
		}
		if err == nil {
			err = serveAcks(size, os.Getenv(ackProfileEnv), jobCPU, hold)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bot: acknowledgement server:", err)
			os.Exit(1)
		}
		return
	}
	var c config
	flag.IntVar(&c.deliveries, "deliveries", 200, "concurrent webhook deliveries per round (one pull request each)")
	flag.IntVar(&c.rounds, "rounds", 3, "rounds of concurrent deliveries (all latencies are pooled)")
	flag.IntVar(&c.queueSize, "queue-size", 200, "the acknowledgement server's work queue (a full queue answers 503, counted)")
	flag.IntVar(&c.objects, "objects", 100, "objects of the planned repository (ConfigMaps, Deployments, Services)")
	flag.IntVar(&c.runs, "runs", 5, "timed pull request events per plan mode (the median is shown)")
	flag.IntVar(&c.installations, "installations", 100, "installations the bot subprocess is told of")
	flag.IntVar(&c.reposPer, "repos", 10, "repositories per installation")
	flag.StringVar(&c.kubectl, "kubectl", "kubectl", `kubectl binary timed as the peer ("" skips it)`)
	flag.BoolVar(&c.checked, "checked", false, "check every call to the fake GitHub against GitHub's OpenAPI description (slower: adds the check to the timed path)")
	flag.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the acknowledgement server to this file")
	flag.BoolVar(&c.keep, "keep", false, "keep the work directory (repositories, bot log)")
	flag.StringVar(&c.ackClient, "ack-client", ackPreconnected, `how the acknowledgement phase sends: "preconnected" (every connection of a burst dialed before it; pre-signed request written in one write, timed from it), "raw" (the same, each connection dialed in the burst, timed from the dial) or "http" (net/http's client, signing each)`)
	flag.DurationVar(&c.ackJobCPU, "ack-job-cpu", 0, "CPU time each acknowledged delivery's job burns (0: no-op jobs), e.g. 2ms: jobs running while the burst is answered")
	flag.DurationVar(&c.ackStartHold, "ack-start-hold", 0, "the acknowledgement server's bot.Config.StartHold: the longest a job start is held back while deliveries are answered (0: the bot's default; negative, e.g. -1ms: never held)")
	flag.StringVar(&c.only, "only", "", `run one phase alone and report it: "ack" (acknowledgement) or "bigrepo" (the big repository)`)
	bigrepoFlags(&c.bigrepo)
	flag.Parse()
	if c.ackClient != ackPreconnected && c.ackClient != ackRaw && c.ackClient != ackHTTP {
		fmt.Fprintf(os.Stderr, "bot: -ack-client %q: want preconnected, raw or http\n", c.ackClient)
		os.Exit(2)
	}
	if c.deliveries < 1 || c.rounds < 1 || c.queueSize < 1 || c.objects < 3 || c.runs < 1 || c.installations < 1 || c.reposPer < 1 {
		fmt.Fprintln(os.Stderr, "bot: every count must be at least 1 (-objects at least 3)")
		os.Exit(2)
	}
	benchmain.Main("bot", func(ctx context.Context) error {
		if c.only != "" {
			return runOnly(ctx, c, os.Stdout)
		}
		return run(ctx, c, os.Stdout)
	})
}

// status is benchmain.Status.
var status = benchmain.Status

func run(ctx context.Context, c config, out io.Writer) (err error) {
	work, done, err := benchmain.WorkDir("bench-bot-", c.keep, out)
	if err != nil {
		return err
	}
	defer done()
	cl := &cleanups{}
	defer cl.run()
	env := environment{loadStart: loadAvg(), c: c}

	example, acks, err := acknowledgements(ctx, c)
	if err != nil {
		return err
	}

	tc, stopCluster, err := benchmain.StartCluster(ctx, work)
	if err != nil {
		return err
	}
	defer stopCluster(&err)
	status("repository of %d objects, applied from main", c.objects)
	fx, err := newFixture(ctx, cl, work, tc.Kubeconfig, c)
	if err != nil {
		return err
	}
	status("pull request event to comment: %d live and %d offline plans", c.runs, c.runs)
	plans, err := measureComments(ctx, cl, c, fx, example, work)
	if err != nil {
		return err
	}
	status("resident memory of the bot process with %d installations x %d repositories", c.installations, c.reposPer)
	mem, err := measureMemory(ctx, cl, c, fx, example, work)
	if err != nil {
		return err
	}
	start, err := measureStartup(ctx, cl, c, fx, example, work)
	if err != nil {
		return err
	}
	env.loadEnd = loadAvg()
	report(out, env, acks, plans, mem, start)
	if c.bigrepo.enabled {
		if err := runBigRepo(ctx, cl, c, tc.Kubeconfig, work, out); err != nil {
			return err
		}
		fmt.Fprintf(out, "\nload average %s at the end of the big repository phase\n", loadAvg())
	}
	return nil
}

// cleanups stands in for a test's Cleanup (githubtest.New wants one); they run in
// reverse order when the benchmark ends.
type cleanups struct{ fns []func() }

func (c *cleanups) Cleanup(f func()) { c.fns = append(c.fns, f) }
func (c *cleanups) Helper()          {}
func (c *cleanups) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...)) // not reached: the spec is loaded (and its error returned) first
}

func (c *cleanups) run() {
	for i := len(c.fns) - 1; i >= 0; i-- {
		c.fns[i]()
	}
}

// loadAvg is the one-minute load average: the machine may be shared.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil || len(b) == 0 {
		return "?"
	}
	var l string
	fmt.Sscan(string(b), &l)
	return l
}

// acknowledgements is the first phase: GitHub's pull_request example (every phase
// sends it), then the acknowledgement of its deliveries.
func acknowledgements(ctx context.Context, c config) (map[string]any, *ackResult, error) {
	example, err := pullRequestExample()
	if err != nil {
		return nil, nil, err
	}
	status("acknowledgement: %d rounds of %d concurrent deliveries", c.rounds, c.deliveries)
	acks, err := measureAcks(ctx, c, example)
	return example, acks, err
}
