package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"
)

// runOnly runs one phase alone (-only) and prints its target row and its section.
func runOnly(ctx context.Context, c config, out io.Writer) error {
	env := environment{loadStart: loadAvg(), c: c}
	switch c.only {
	case "ack":
		_, acks, err := acknowledgements(ctx, c)
		if err != nil {
			return err
		}
		env.loadEnd = loadAvg()
		reportHeader(out, env)
		ackRow(out, c, acks)
		reportAcks(out, c, acks)
		return nil
	case "bigrepo":
		return runBigRepoOnly(ctx, c, out, env)
	}
	return fmt.Errorf("-only %q: want ack or bigrepo", c.only)
}

// reportHeader prints the title, the machine and its load, and the head of the
// table of targets.
func reportHeader(out io.Writer, env environment) {
	fmt.Fprintf(out, "\n# GitHub App bot benchmark\n\n")
	fmt.Fprintf(out, "%d CPUs, %s/%s, load average %s at the start, %s at the end (the machine may be shared)\n\n",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, env.loadStart, env.loadEnd)
	fmt.Fprintln(out, "| what | target | measured | |")
	fmt.Fprintln(out, "|---|---|---|---|")
}

// ackRow is the acknowledgement's target row.
func ackRow(out io.Writer, c config, acks *ackResult) {
	p50, p99, pmax := quantile(acks.latencies, 0.50), quantile(acks.latencies, 0.99), quantile(acks.latencies, 1)
	what := fmt.Sprintf("webhook acknowledgement p99, %d concurrent deliveries (%s client", c.deliveries, c.ackClient)
	if c.ackJobCPU > 0 {
		what += fmt.Sprintf(", jobs burning %s", c.ackJobCPU)
	}
	if c.ackStartHold < 0 {
		what += ", job starts never held"
	}
	measured := fmt.Sprintf("%s (p50 %s, max %s)", ms(p99), ms(p50), ms(pmax))
	if len(acks.read) > 0 {
		measured += fmt.Sprintf("; as read by the client %s (p50 %s)", ms(quantile(acks.read, 0.99)), ms(median(acks.read)))
	}
	row(out, what+")", "< 50 ms", measured, p99 < 50*time.Millisecond && acks.errors == 0)
}
