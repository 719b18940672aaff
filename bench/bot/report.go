package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot"
)

// environment is what the figures depend on besides the code.
type environment struct {
	c                  config
	loadStart, loadEnd string
}

// report prints the table of targets, then what each step did.
func report(out io.Writer, env environment, acks *ackResult, plans *planResult, mem *memResult, start *startupResult) {
	c := env.c
	reportHeader(out, env)
	liveMed, offMed := median(plans.live), median(plans.offline)
	idle := mem.afterEvents
	ackRow(out, c, acks)
	row(out, fmt.Sprintf("PR event → comment, live plan, %d objects (median of %d)", c.objects, len(plans.live)), "< 3 s",
		fmt.Sprintf("%s (offline plan %s)", secs(liveMed), secs(offMed)), liveMed < 3*time.Second)
	row(out, fmt.Sprintf("bot RSS, %d installations × %d repositories known", c.installations, c.reposPer), "< 200 MiB",
		fmt.Sprintf("%s (peak so far %s)", mib(idle.rss), mib(idle.hwm)), idle.hwm < 200<<20)
	row(out, "bot peak RSS, after that one live plan too", "< 200 MiB", mib(mem.afterPlan.hwm), mem.afterPlan.hwm < 200<<20)
	row(out, fmt.Sprintf("PR event sent %s after the bot's start → comment, live plan", secs(mem.sentAfter)), "idle bot's + 1 s",
		fmt.Sprintf("%s (idle bot: %s)", secs(mem.atStart), secs(mem.planTook)), mem.atStart < mem.planTook+time.Second)
	startupRows(out, start)

	reportAcks(out, c, acks)

	fmt.Fprintf(out, "\n## 2. Pull request event → comment\n\n")
	fmt.Fprintf(out, "A repository of %d objects (ConfigMap, Deployment, Service in turn, one file each, plus their Namespace), main applied\n", c.objects)
	fmt.Fprintf(out, "by kubectl-gitops to a local etcd + kube-apiserver; the pull request changes %d objects. bot.Server with the bot's own\n", plans.changed)
	fmt.Fprintf(out, "handlers (2 workers), a fake GitHub (githubtest%s) and git http-backend on loopback (serving commits by sha, as GitHub does). Timed: the webhook POST until the\n", checkedNote(c.checked))
	fmt.Fprintf(out, "sticky comment exists (clone of the head, .gitops.yaml, plan, comment); each run is a new pull request.\n\n")
	fmt.Fprintln(out, "| | first run (cold) | median | runs |")
	fmt.Fprintln(out, "|---|---|---|---|")
	fmt.Fprintf(out, "| live plan (server-side dry-run) | %s | %s | %s |\n", secs(plans.liveCold), secs(liveMed), list(plans.live))
	fmt.Fprintf(out, "| offline plan (base render vs head, second clone) | %s | %s | %s |\n", secs(plans.offlineCold), secs(offMed), list(plans.offline))
	var ratios []string
	for _, p := range plans.kubectl {
		cmd := "`kubectl " + strings.Join(p.args[2:], " ") + "`"
		cmd = strings.Replace(cmd, p.args[4], "deploy", 1)
		if p.err != "" {
			fmt.Fprintf(out, "| %s | not timed: %s | | |\n", cmd, p.err)
			continue
		}
		km := median(p.times)
		fmt.Fprintf(out, "| %s (files checked out, no GitHub) | | %s | %s |\n", cmd, secs(km), list(p.times))
		ratios = append(ratios, fmt.Sprintf("%s %.1f×", cmd, km.Seconds()/liveMed.Seconds()))
	}
	if len(ratios) > 0 {
		fmt.Fprintf(out, "\nkubectl ÷ bot live (event to comment): %s (%s, its default flags)\n", strings.Join(ratios, ", "), plans.kubectlVersion)
	}
	fmt.Fprintf(out, "gitops/plan status: live %q, offline %q\n", plans.liveStatus, plans.offlineStatus)

	fmt.Fprintf(out, "\n## 3. Resident memory\n\n")
	fmt.Fprintf(out, "The built cmd/bot (-trimpath -s -w, default flags, no GOMEMLIMIT) as a subprocess, its RSS from /proc/PID/status\n")
	fmt.Fprintf(out, "(VmRSS now, VmHWM peak): what the kernel counts, nothing estimated. The fake GitHub's App has %d installations of\n", c.installations)
	fmt.Fprintf(out, "%d repositories; the bot's start-up scan lists them all (a token per installation, the open pull requests of\n", c.reposPer)
	fmt.Fprintf(out, "every repository), then %d deliveries (installation created + installation_repositories added, %d answered 503 and\n", mem.deliveries, mem.busy)
	fmt.Fprintf(out, "were sent again) fill its Installations tracker. A pull request event of the %d-object repository is sent %s after\n", c.objects, secs(mem.sentAfter))
	fmt.Fprintf(out, "the start, during the start-up work (image index, re-plans of stale pull requests): its comment came %s later; the same\n", secs(mem.atStart))
	fmt.Fprintf(out, "event on the bot once idle: %s.\n\n", secs(mem.planTook))
	fmt.Fprintln(out, "| bot process | RSS | peak RSS |")
	fmt.Fprintln(out, "|---|---|---|")
	fmt.Fprintf(out, "| after the start-up scan | %s | %s |\n", mib(mem.afterScan.rss), mib(mem.afterScan.hwm))
	fmt.Fprintf(out, "| after the installation events (Go heap in use %s) | %s | %s |\n", mib(mem.heapAfterEvents), mib(mem.afterEvents.rss), mib(mem.afterEvents.hwm))
	fmt.Fprintf(out, "| after one live plan of the %d-object repository (event → comment %s) | %s | %s |\n", c.objects, secs(mem.planTook), mib(mem.afterPlan.rss), mib(mem.afterPlan.hwm))
	if c.keep {
		fmt.Fprintf(out, "\nbot log: %s\n", mem.log)
	}
	startupSection(out, c, start)
}

// reportAcks prints what the acknowledgement step did.
func reportAcks(out io.Writer, c config, acks *ackResult) {
	p50, p99, pmax := quantile(acks.latencies, 0.50), quantile(acks.latencies, 0.99), quantile(acks.latencies, 1)
	fmt.Fprintf(out, "\n## 1. Acknowledgement\n\n")
	fmt.Fprintf(out, "%d rounds of %d concurrent signed pull_request synchronize deliveries (GitHub's example payload, %s each,\n",
		c.rounds, c.deliveries, kib(acks.bodyBytes))
	fmt.Fprintf(out, "a different pull request each), each on a loopback connection of its own (%s), to bot.Server's /webhook on a real\n", ackClientNote(c.ackClient))
	fmt.Fprintf(out, "HTTP server in a process of its own (queue %d, 4 workers, job starts held at most %s while deliveries are answered).\n", c.queueSize, holdNote(c.ackStartHold))
	if c.ackJobCPU > 0 {
		fmt.Fprintf(out, "Each delivery's job burns %s of CPU (-ack-job-cpu): jobs compete with the acknowledgements. This measures the\n", c.ackJobCPU)
	} else {
		fmt.Fprintf(out, "The jobs behind the acknowledgements are STUBBED (no-op jobs; -ack-job-cpu makes them burn CPU): this measures the\n")
	}
	fmt.Fprintf(out, "acknowledgement (read, HMAC check, parse, queue, answer), not the plans. Client and server share the CPUs.\n\n")
	fmt.Fprintf(out, "concurrent, over %d deliveries: p50 %s, p90 %s, p99 %s, max %s; answers %v, transport errors %d; jobs run %d",
		len(acks.latencies), ms(p50), ms(quantile(acks.latencies, 0.9)), ms(p99), ms(pmax), acks.codes, acks.errors, acks.ran)
	if len(acks.read) > 0 {
		fmt.Fprintf(out, "\n  (times to the kernel's receipt of each answer, SO_TIMESTAMPNS; to this process reading them, its own wait for a CPU\n"+
			"  added: p50 %s, p90 %s, p99 %s, max %s)", ms(median(acks.read)), ms(quantile(acks.read, 0.9)), ms(quantile(acks.read, 0.99)), ms(quantile(acks.read, 1)))
	}
	if acks.held > 0 {
		fmt.Fprintf(out, ", %d job starts held back (%s on average)", acks.held, ms(acks.heldTime/time.Duration(acks.held)))
	}
	fmt.Fprintln(out)
	fmt.Fprintf(out, "one at a time (%d deliveries, net/http's client, dial included, no contention): p50 %s, p99 %s\n",
		len(acks.lone), ms(median(acks.lone)), ms(quantile(acks.lone, 0.99)))
	if n := time.Duration(len(acks.latencies) + acks.errors); n > 0 {
		burst := acks.serverCPU / time.Duration(c.rounds)
		fmt.Fprintf(out, "CPU time per concurrent delivery: server %s, client %s (its own process). A burst of %d needs %s of the\n",
			ms(acks.serverCPU/n), ms(acks.clientCPU/n), c.deliveries, ms(burst))
		fmt.Fprintf(out, "server's CPU: on %d idle CPUs its last acknowledgement cannot come sooner than ~%s, however the server queues.\n",
			runtime.NumCPU(), ms(burst/time.Duration(runtime.NumCPU())))
		if c.ackClient == ackPreconnected {
			fmt.Fprintf(out, "Accepting a burst's %d connections before it cost the server %s of CPU (/proc, 10 ms ticks; not in the figures above).\n",
				c.deliveries, ms(acks.acceptCPU/time.Duration(c.rounds)))
		}
	}
}

func ackClientNote(client string) string {
	switch client {
	case ackHTTP:
		return "net/http's client, signing each, dial timed"
	case ackRaw:
		return "dialed in the burst, the request signed beforehand and written in one write, timed from the dial"
	}
	return "dialed before the burst, the request signed beforehand and written in one write, timed from that write; -ack-client raw: dialed in the burst"
}

func holdNote(hold time.Duration) string {
	switch {
	case hold < 0:
		return "never (-ack-start-hold)"
	case hold == 0:
		return "the bot's default " + bot.DefaultStartHold.String()
	}
	return hold.String()
}

func row(out io.Writer, what, target, measured string, ok bool) {
	verdict := "ok"
	if !ok {
		verdict = "MISSED"
	}
	fmt.Fprintf(out, "| %s | %s | %s | %s |\n", what, target, measured, verdict)
}

func checkedNote(checked bool) string {
	if checked {
		return ", every call checked against GitHub's OpenAPI description"
	}
	return "; not checked against the OpenAPI description here, -checked does"
}

// quantile is the q-th quantile (nearest rank) of ds.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func median(ds []time.Duration) time.Duration { return quantile(ds, 0.5) }

func list(ds []time.Duration) string {
	s := ""
	for i, d := range ds {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%.2f", d.Seconds())
	}
	return s
}

func ms(d time.Duration) string   { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }
func mib(b int64) string          { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
func kib(b int) string            { return fmt.Sprintf("%.1f KiB", float64(b)/1024) }
