package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/kubectl-gitops/kubectl-gitops/internal/benchmain"
	"github.com/kubectl-gitops/kubectl-gitops/internal/lifetime"
)

type config struct {
	n           int
	namespaces  int
	concurrency int
	change      float64
	repeat      int
	kubectl     string
	bin         string
	oursArgs    string
	keep        bool
	profileDir  string
	logPath     string
	// kubectlSteps are the steps kubectl is timed in (see kubectlStepNames).
	kubectlSteps []string
}

func main() {
	var c config
	flag.IntVar(&c.n, "n", 1000, "objects per tool, namespaces included")
	flag.IntVar(&c.namespaces, "namespaces", 10, "namespaces the objects are spread over")
	flag.IntVar(&c.concurrency, "concurrency", 16, "kubectl-gitops --concurrency, and the raw loop's goroutines")
	flag.Float64Var(&c.change, "change", 0.10, "fraction of the objects changed for the plan and update steps")
	flag.IntVar(&c.repeat, "repeat", 1, "runs of the read-only and no-op steps (the median is shown)")
	flag.StringVar(&c.kubectl, "kubectl", "kubectl", `kubectl binary to compare with ("" skips kubectl)`)
	steps := flag.String("kubectl-steps", strings.Join(kubectlStepNames, ","),
		"steps kubectl is timed in: first, plan, change, noop (at N=10000 kubectl takes ~40 min for all four)")
	flag.StringVar(&c.bin, "bin", "", "a kubectl-gitops binary to use instead of building ./cmd/kubectl-gitops")
	flag.StringVar(&c.oursArgs, "ours-args", "", `extra kubectl-gitops flags, e.g. "--qps=-1"`)
	flag.BoolVar(&c.keep, "keep", false, "keep the work directory (manifests, command log)")
	flag.StringVar(&c.logPath, "log", "", "write every command with its output here (default: in the work directory)")
	flag.StringVar(&c.profileDir, "profile", "", "write CPU and heap profiles of every kubectl-gitops run (soft heap limit on) into this directory")
	writeOnly := flag.String("write", "", "only write kubectl-gitops' files (first-apply state) into this directory and exit, e.g. to profile by hand")
	writeChanged := flag.String("write-changed", "", "with -write, also write the files with the -change fraction changed (the update step's state) into this directory")
	var pa peerArgs
	pa.flags(flag.CommandLine)
	flag.Parse()
	if pa.tool != "" {
		pa.concurrency = c.concurrency
		benchmain.Main("planapply -peer", func(ctx context.Context) error { return peerMain(ctx, pa, os.Stdout) })
		return
	}
	for _, st := range strings.Split(*steps, ",") {
		if st = strings.TrimSpace(st); st == "" {
			continue
		}
		if !slices.Contains(kubectlStepNames, st) {
			fmt.Fprintf(os.Stderr, "planapply: -kubectl-steps: unknown step %q (want %v)\n", st, kubectlStepNames)
			os.Exit(2)
		}
		c.kubectlSteps = append(c.kubectlSteps, st)
	}
	if c.n <= c.namespaces || c.namespaces < 1 || c.concurrency < 1 || c.repeat < 1 || c.change <= 0 || c.change > 1 {
		fmt.Fprintln(os.Stderr, "planapply: need -n > -namespaces >= 1, -concurrency >= 1, -repeat >= 1, 0 < -change <= 1")
		os.Exit(2)
	}
	if *writeChanged != "" && *writeOnly == "" {
		fmt.Fprintln(os.Stderr, "planapply: -write-changed needs -write")
		os.Exit(2)
	}
	if *writeOnly != "" {
		s := generate(prefixes[tOurs], c.n, c.namespaces)
		_, err := s.write(*writeOnly, version{})
		if err == nil && *writeChanged != "" {
			var n int
			if n, err = s.write(*writeChanged, version{change: c.change}); err == nil {
				fmt.Printf("%s: %d of %d objects changed\n", *writeChanged, n, c.n)
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "planapply:", err)
			os.Exit(1)
		}
		return
	}
	benchmain.Main("planapply", func(ctx context.Context) error {
		// SIGINT, SIGTERM (ctx) and the exit of make (or the shell) that ran it stop the
		// control plane and the subprocesses before the benchmark exits.
		if err := lifetime.SignalOnParentExit(syscall.SIGTERM); err != nil {
			return err
		}
		return run(ctx, c, os.Stdout)
	})
}

func run(ctx context.Context, c config, out io.Writer) (err error) {
	work, done, err := benchmain.WorkDir("bench-planapply-", c.keep, out)
	if err != nil {
		return err
	}
	defer done()
	if c.logPath == "" {
		c.logPath = filepath.Join(work, "commands.log")
	}
	logf, err := os.Create(c.logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	status := benchmain.Status

	rusage, err := goBuild(ctx, work, "./bench/planapply/rusage", "rusage")
	if err != nil {
		return err
	}
	if c.bin == "" {
		status("building kubectl-gitops")
		if c.bin, err = buildPlugin(ctx, work); err != nil {
			return err
		}
	}
	cl, stopCluster, err := benchmain.StartCluster(ctx, work)
	if err != nil {
		return err
	}
	defer stopCluster(&err)

	// Each tool gets its own discovery cache, warmed before anything is timed.
	cacheArgs := func(name string) []string {
		return []string{"--kubeconfig", cl.Kubeconfig, "--cache-dir", filepath.Join(work, "cache-"+name)}
	}
	oursArgs := append(append(cacheArgs("ours"), fmt.Sprintf("--concurrency=%d", c.concurrency)), strings.Fields(c.oursArgs)...)
	o := &ours{bin: c.bin, p: &proc{env: environ(), log: logf, rusage: rusage}, set: "bench-ours", args: oursArgs}
	// The same binary without its default soft heap limit (cmd/kubectl-gitops/main.go).
	noLimit := &ours{bin: c.bin, p: &proc{env: environ("GOMEMLIMIT=off"), log: logf, rusage: rusage}, set: "bench-ours-nolimit", args: oursArgs}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	peers := map[string]*peer{}
	for _, t := range []string{tFlux, tRaw, tFloor} {
		peers[t] = &peer{tool: t, exe: exe, p: &proc{env: environ(), log: logf, rusage: rusage},
			args: peerArgs{kubeconfig: cl.Kubeconfig, concurrency: c.concurrency}}
	}
	var k *kubectl
	if c.kubectl != "" {
		k = &kubectl{bin: c.kubectl, args: cacheArgs("kubectl"), p: &proc{env: environ("KUBECTL_APPLYSET=true"), log: logf, rusage: rusage}}
	}
	rw, err := newRaw(cl.Config, c.concurrency)
	if err != nil {
		return err
	}
	cnt, err := newCounter(cl.Config)
	if err != nil {
		return err
	}

	sets, roots := map[string]*set{}, map[string]string{}
	for t, prefix := range prefixes {
		if t == tKubectl && k == nil {
			continue
		}
		sets[t], roots[t] = generate(prefix, c.n, c.namespaces), filepath.Join(work, t)
	}
	nchanged, nremoved := 0, 0
	for _, ob := range sets[tOurs].objs {
		if changed(ob.index, c.change) {
			nchanged++
		}
		if removed(ob.index, c.change) {
			nremoved++
		}
	}

	env := environment{n: c.n, namespaces: c.namespaces, files: sets[tOurs].files(), changed: nchanged, removed: nremoved,
		concurrency: c.concurrency, oursArgs: c.oursArgs, kubectlSteps: c.kubectlSteps, loadStart: loadAvg()}
	env.server = serverVersion(cl.Config)
	if err := warm(ctx, o, k, rw, work); err != nil {
		return err
	}
	if k != nil {
		env.kubectlVersion = kubectlVersion(ctx, k)
		status("probing kubectl --applyset over several namespaces")
		if err := k.probe(ctx, filepath.Join(work, "probe-kubectl")); err != nil {
			return err
		}
		env.kubectlMultiNS, env.kubectlProbe = k.multiNS, k.probeErr
	}

	b := &bench{c: c, ours: map[string]*ours{tOurs: o, tNoLimit: noLimit}, k: k, peers: peers, inproc: rw, counter: cnt,
		sets: sets, roots: roots, work: work, changed: nchanged, removed: nremoved, status: status}
	rows, err := b.steps(ctx)
	env.loadEnd = loadAvg()
	report(out, env, rows)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\ncommands and their output: %s\n", c.logPath)
	return nil
}

// warm fills each tool's discovery cache and the raw loop's REST mapper, so that
// discovery is not part of any timed step (a CI runner with a cold cache pays it once).
func warm(ctx context.Context, o *ours, k *kubectl, rw *raw, work string) error {
	dir := filepath.Join(work, "warm")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "cm.yaml"), []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: warm, namespace: default}\n"), 0o644); err != nil {
		return err
	}
	r, err := o.p.run(ctx, nil, o.bin, append([]string{"plan", dir, "--applyset", "bench-warm"}, o.args...)...)
	if err != nil {
		return err
	}
	if err := r.expect("kubectl-gitops plan (warm-up)", 0, 1); err != nil {
		return err
	}
	if k != nil {
		r, err := k.run(ctx, "api-resources")
		if err != nil {
			return err
		}
		if err := r.expect("kubectl api-resources (warm-up)", 0); err != nil {
			return err
		}
	}
	return rw.warmAll()
}
