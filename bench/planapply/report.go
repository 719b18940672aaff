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
	n, namespaces, files, changed, removed, concurrency int
	oursArgs                                            string
	kubectlSteps                                        []string
	server, kubectlVersion                              string
	kubectlMultiNS                                      bool
	kubectlProbe                                        string
	loadStart, loadEnd                                  string
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
	fmt.Fprintf(w, "- kubectl-gitops GOMEMLIMIT=off: the same binary without its default soft heap limit (250 MiB), on its own objects.\n")
	fmt.Fprintf(w, "- Flux: Flux v2's apply engine (github.com/fluxcd/pkg/ssa ResourceManager) as kustomize-controller drives it: owner\n"+
		"  labels, ApplyAllStaged (Namespaces first, waited for with a kstatus poller), DeleteAll of the removed objects; plan is\n"+
		"  its Diff of every object, %d at a time. A subprocess of this benchmark, concurrency %d, no client-side rate limit.\n", e.concurrency, e.concurrency)
	fmt.Fprintf(w, "- Raw loop: a subprocess of this benchmark, client-go dynamic client, %d goroutines, no client-side rate limit, server-side\n"+
		"  apply (Namespaces first) with no reads, diffs or bookkeeping: the physical limit. Floor: the same loop validating\n"+
		"  everything before it writes (dry-run of all, then apply of all; Namespaces first).\n", e.concurrency)
	fmt.Fprintf(w, "- Every tool reads the same files. Flux, raw and floor time themselves from reading the files (process start and API\n"+
		"  discovery excluded); CPU time and peak RSS are those of each tool's processes (getrusage), so they compare.\n")

	if e.kubectlVersion != "" && len(e.kubectlSteps) < len(kubectlStepNames) {
		fmt.Fprintf(w, "- kubectl is timed in the steps %v only; in the others its objects are brought to the same state\n"+
			"  in-process (untimed, field manager \"kubectl\"). Its times grow linearly with N (one request at a time).\n", e.kubectlSteps)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Wall time (targets printed, not asserted):")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| step | kubectl-gitops | Flux | kubectl | raw loop | ours ÷ Flux (target < 1×) | kubectl ÷ ours (target) | ours ÷ raw (target) |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---|---|---|")
	for _, r := range rows {
		o := r.m[tOurs].wall
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", r.name,
			secs(o), secs(r.m[tFlux].wall), secs(r.m[tKubectl].wall), rawCell(r),
			below(o, r.m[tFlux].wall, 1),
			ratio(r.m[tKubectl].wall, o, r.vsKubectl, true),
			ratio(o, r.m[tRaw].wall, r.vsRaw, false))
	}
	if len(rows) > 0 && rows[0].m[tFloor].wall > 0 {
		first := rows[0]
		o, fl := first.m[tOurs], first.m[tFloor]
		fmt.Fprintf(w, "\nFloor of an apply that validates everything before writing (raw dry-run of all, then raw apply of all,\n"+
			"%d at a time): %s; first apply ours ÷ floor: %s.\n", e.concurrency, secs(fl.wall), ratio(o.wall, fl.wall, 1.15, false))
		fmt.Fprintf(w, "Per-object rate of the first apply: ours %s, floor %s, raw loop %s (target at 10,000 objects: the rate at 1,000).\n",
			rate(e.n, o.wall), rate(e.n, fl.wall), rate(e.n, first.m[tRaw].wall))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Cost: API requests the server handled (its own on the tools' behalf included), client CPU time (user+system of")
	fmt.Fprintln(w, "the tool's processes; client and server share the CPUs), peak RSS of the tool's largest process. \"off\" is")
	fmt.Fprintln(w, "kubectl-gitops with GOMEMLIMIT=off:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| step | requests ours / Flux / kubectl / raw | CPU ours / off / Flux / kubectl / raw | CPU ours ÷ raw (≤ 2×) | peak RSS ours / off / Flux / kubectl / raw |")
	fmt.Fprintln(w, "|---|---:|---:|---|---:|")
	var peak, peakOff int64
	for _, r := range rows {
		peak, peakOff = max(peak, r.m[tOurs].maxRSS), max(peakOff, r.m[tNoLimit].maxRSS)
		fmt.Fprintf(w, "| %s | %s / %s / %s / %s | %s / %s / %s / %s / %s | %s | %s / %s / %s / %s / %s |\n", r.name,
			reqs(r.m[tOurs]), reqs(r.m[tFlux]), reqs(r.m[tKubectl]), reqs(r.m[tRaw]),
			secs(r.m[tOurs].cpu), secs(r.m[tNoLimit].cpu), secs(r.m[tFlux].cpu), secs(r.m[tKubectl].cpu), secs(r.m[tRaw].cpu),
			ratio(r.m[tOurs].cpu, r.m[tRaw].cpu, 2, false),
			mib(r.m[tOurs].maxRSS), mib(r.m[tNoLimit].maxRSS), mib(r.m[tFlux].maxRSS), mib(r.m[tKubectl].maxRSS), mib(r.m[tRaw].maxRSS))
	}
	if len(rows) > 0 && rows[0].m[tFloor].wall > 0 {
		fl := rows[0].m[tFloor]
		fmt.Fprintf(w, "| floor (first apply) | %s | %s | | %s |\n", reqs(fl), secs(fl.cpu), mib(fl.maxRSS))
	}
	fmt.Fprintf(w, "\nPeak RSS of kubectl-gitops over all steps: %s with its soft heap limit, %s with GOMEMLIMIT=off\n"+
		"(target < 200 MiB at 10,000 objects without relying on the limit; here, at N = %d: %s).\n",
		mib(peak), mib(peakOff), e.n, metOrMissed(peakOff > 0 && peakOff < 200<<20))
	fmt.Fprintln(w, "\nWhat the tools reported, and their requests by verb:")
	for _, r := range rows {
		fmt.Fprintf(w, "- %s: kubectl-gitops %s [%s]", r.name, r.said[tOurs], r.m[tOurs].requests)
		if m := r.m[tNoLimit]; m.wall > 0 {
			fmt.Fprintf(w, "; GOMEMLIMIT=off %s", secs(m.wall))
		}
		if s := r.said[tFlux]; s != "" {
			fmt.Fprintf(w, "; Flux %s [%s]", s, r.m[tFlux].requests)
		}
		if s := r.said[tKubectl]; s != "" {
			fmt.Fprintf(w, "; %s", s)
		}
		if r.m[tKubectl].wall > 0 {
			fmt.Fprintf(w, "; kubectl [%s]", r.m[tKubectl].requests)
		}
		if s := r.said[tFloor]; s != "" {
			fmt.Fprintf(w, "; floor %s [%s]", s, r.m[tFloor].requests)
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
	if r.m[tRaw].wall == 0 {
		return "–"
	}
	return fmt.Sprintf("%s (%s)", secs(r.m[tRaw].wall), r.rawLabel)
}

// below prints a/b with the target "below target" (a strict upper bound).
func below(a, b time.Duration, target float64) string {
	if a == 0 || b == 0 {
		return "–"
	}
	x := float64(a) / float64(b)
	return fmt.Sprintf("%.2f× (< %g×: %s)", x, target, metOrMissed(x < target))
}

// rate prints the time per object.
func rate(n int, d time.Duration) string {
	if d == 0 || n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f ms/object", d.Seconds()*1000/float64(n))
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
