package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"
)

// environment is what the figures depend on, printed above them.
type environment struct {
	n, namespaces, files, changed, concurrency int
	oursArgs                                   string
	kubectlSteps                               []string
	server, kubectlVersion                     string
	kubectlMultiNS                             bool
	kubectlProbe                               string
	loadStart, loadEnd                         string
}

// report prints the setup, one Markdown table row per step, and what each tool said.
// Targets are printed next to the ratios; they are never asserted.
func report(w io.Writer, e environment, rows []row) {
	fmt.Fprintf(w, "\n## kubectl-gitops plan/apply benchmark, N = %d\n\n", e.n)
	fmt.Fprintf(w, "- Objects per tool: %d Namespaces + %d ConfigMaps, Secrets, Services, Deployments, ServiceAccounts, Roles, RoleBindings,\n"+
		"  in %d files (one per app); %d objects (%.0f%%) changed for the plan and update steps. Each tool has its own namespaces.\n",
		e.namespaces, e.n-e.namespaces, e.files, e.changed, 100*float64(e.changed)/float64(e.n))
	fmt.Fprintf(w, "- Cluster: etcd + kube-apiserver %s on loopback (internal/testcluster), %d CPUs, load average %s at start, %s at end.\n",
		e.server, runtime.NumCPU(), e.loadStart, e.loadEnd)
	args := "its defaults: no client-side rate limit, --concurrency 16"
	if e.oursArgs != "" {
		args += ", then " + e.oursArgs
	}
	fmt.Fprintf(w, "- kubectl-gitops: subprocess, --concurrency %d, %s; `-o json` (its counts are checked).\n", e.concurrency, args)
	if e.kubectlVersion != "" {
		fmt.Fprintf(w, "- kubectl %s: subprocess, its defaults (client-go 5 QPS / burst 10 per REST client; kubectl builds a client per\n"+
			"  object mapping and sends one request at a time, so apply and diff are bound by latency, not by the rate limit).\n", e.kubectlVersion)
		if e.kubectlMultiNS {
			fmt.Fprintf(w, "- kubectl apply: one `KUBECTL_APPLYSET=true kubectl apply --server-side --prune --applyset=secret/bench-kubectl -n default -f DIR -R`.\n")
		} else {
			fmt.Fprintf(w, "- kubectl cannot make one ApplySet span several namespaces (it said: %q).\n"+
				"  Closest working command, timed in total: `kubectl apply --server-side -f NS/namespace.yaml ...` (a namespaced\n"+
				"  ApplySet parent needs its namespace first), then per namespace, one after the other,\n"+
				"  `KUBECTL_APPLYSET=true kubectl apply --server-side --prune --applyset=secret/bench-kubectl -n NS -f DIR/NS -R`\n"+
				"  (%d processes per apply). kubectl diff: one `kubectl diff --server-side -f DIR -R`.\n", oneLine(e.kubectlProbe), e.namespaces+1)
		}
	}
	fmt.Fprintf(w, "- Raw loop: in-process client-go dynamic client, %d goroutines, no client-side rate limit, server-side apply\n"+
		"  (Namespaces first) with no reads, diffs or bookkeeping: the physical limit.\n", e.concurrency)

	if e.kubectlVersion != "" && len(e.kubectlSteps) < len(kubectlStepNames) {
		fmt.Fprintf(w, "- kubectl is timed in the steps %v only; in the others its objects are brought to the same state\n"+
			"  in-process (untimed, field manager \"kubectl\"). Its times grow linearly with N (one request at a time).\n", e.kubectlSteps)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Wall time (targets printed, not asserted):")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| step | kubectl-gitops | kubectl | kubectl ÷ ours (target) | raw loop | ours ÷ raw (target) |")
	fmt.Fprintln(w, "|---|---:|---:|---|---:|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", r.name,
			secs(r.ours.wall), secs(r.kubectl.wall),
			ratio(r.kubectl.wall, r.ours.wall, r.vsKubectl, true),
			rawCell(r), ratio(r.ours.wall, r.raw.wall, r.vsRaw, false))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Cost: API requests the server handled (its own on the tools' behalf included), CPU time (user+system;")
	fmt.Fprintln(w, "client and server share the CPUs), peak RSS of the largest process:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| step | requests ours / kubectl / raw | CPU ours / kubectl / raw | peak RSS ours / kubectl |")
	fmt.Fprintln(w, "|---|---:|---:|---:|")
	var peak int64
	for _, r := range rows {
		peak = max(peak, r.ours.maxRSS)
		fmt.Fprintf(w, "| %s | %s / %s / %s | %s / %s / %s | %s / %s |\n", r.name,
			reqs(r.ours), reqs(r.kubectl), reqs(r.raw),
			secs(r.ours.cpu), secs(r.kubectl.cpu), secs(r.raw.cpu),
			mib(r.ours.maxRSS), mib(r.kubectl.maxRSS))
	}
	verdict := "met"
	if peak >= 300<<20 {
		verdict = "missed"
	}
	fmt.Fprintf(w, "\nPeak RSS of kubectl-gitops over all steps: %s (target < 300 MiB at 10,000 objects; here, at N = %d: %s).\n", mib(peak), e.n, verdict)
	fmt.Fprintln(w, "\nWhat the tools reported, and their requests by verb:")
	for _, r := range rows {
		fmt.Fprintf(w, "- %s: kubectl-gitops %s [%s]", r.name, r.oursSaid, r.ours.requests)
		if r.kubectlSaid != "" {
			fmt.Fprintf(w, "; kubectl diff: %s", r.kubectlSaid)
		}
		if r.kubectl.wall > 0 {
			fmt.Fprintf(w, "; kubectl [%s]", r.kubectl.requests)
		}
		fmt.Fprintln(w)
	}
}

func reqs(m measure) string {
	if m.wall == 0 {
		return "–"
	}
	return fmt.Sprint(m.requests.total())
}

func rawCell(r row) string {
	if r.raw.wall == 0 {
		return "–"
	}
	return fmt.Sprintf("%s (%s)", secs(r.raw.wall), r.rawLabel)
}

// ratio prints a/b with the target; higher is better when atLeast, else lower is.
func ratio(a, b time.Duration, target float64, atLeast bool) string {
	if a == 0 || b == 0 {
		return "–"
	}
	x := float64(a) / float64(b)
	s := fmt.Sprintf("%.1f×", x)
	if target == 0 {
		return s
	}
	if atLeast {
		return fmt.Sprintf("%s (≥ %g×: %s)", s, target, metOrMissed(x >= target))
	}
	return fmt.Sprintf("%s (≤ %g×: %s)", s, target, metOrMissed(x <= target))
}

func metOrMissed(ok bool) string {
	if ok {
		return "met"
	}
	return "missed"
}

func secs(d time.Duration) string {
	if d == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func mib(b int64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
