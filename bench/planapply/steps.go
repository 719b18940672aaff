package main

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Steps kubectl can be timed in (-kubectl-steps).
var kubectlStepNames = []string{"first", "plannoop", "plan", "change", "noop", "prune"}

// The tools, as keys of a row's measures. Each has its own copy of the objects, in
// its own namespaces (the prefix in tools).
const (
	tOurs    = "ours"    // kubectl-gitops, its defaults
	tNoLimit = "nolimit" // kubectl-gitops with GOMEMLIMIT=off (no soft heap limit)
	tFlux    = "flux"    // Flux's engine (fluxcd/pkg/ssa), a subprocess of this benchmark
	tKubectl = "kubectl"
	tRaw     = "raw"   // the raw loop
	tFloor   = "floor" // validate-then-apply floor, first apply only
)

// prefixes are the namespace prefixes of the tools' sets.
var prefixes = map[string]string{tOurs: "bo", tNoLimit: "bn", tFlux: "bf", tKubectl: "bk", tRaw: "br", tFloor: "bv"}

// row is one step of the benchmark: what each tool measured, the targets, and what
// the tools reported (to show they did the work the step claims).
type row struct {
	name      string
	m         map[string]measure
	said      map[string]string
	rawLabel  string  // what the raw loop did
	vsKubectl float64 // target: kubectl/ours at least this (0: none)
	vsRaw     float64 // target: ours/raw at most this (0: none)
}

func newRow(name, rawLabel string, vsKubectl, vsRaw float64) row {
	return row{name: name, rawLabel: rawLabel, vsKubectl: vsKubectl, vsRaw: vsRaw,
		m: map[string]measure{}, said: map[string]string{}}
}

type bench struct {
	c       config
	ours    map[string]*ours // tOurs, tNoLimit
	k       *kubectl
	peers   map[string]*peer // tFlux, tRaw, tFloor
	inproc  *raw             // brings kubectl's objects to a state, untimed
	counter *counter
	sets    map[string]*set
	roots   map[string]string
	work    string
	changed int
	removed int
	status  func(string, ...any)
}

// kubectlTimed reports whether kubectl is timed in step.
func (b *bench) kubectlTimed(step string) bool {
	return b.k != nil && slices.Contains(b.c.kubectlSteps, step)
}

// write writes every tool's files at version v.
func (b *bench) write(v version) error {
	for _, t := range slices.Sorted(maps.Keys(b.roots)) {
		if _, err := b.sets[t].write(b.roots[t], v); err != nil {
			return err
		}
	}
	return nil
}

// steps runs the steps in order; each leaves the state the next one starts from.
// It returns the rows measured so far with the first error.
func (b *bench) steps(ctx context.Context) ([]row, error) {
	var rows []row
	n, ch, rm := b.c.n, b.changed, b.removed
	v0, v1, v2 := version{}, version{change: b.c.change}, version{change: b.c.change, drop: b.c.change}
	all := func(s summary) int { return s.Create + s.Update + s.Delete }

	// 1. First apply into namespaces that do not exist yet.
	if err := b.write(v0); err != nil {
		return nil, err
	}
	r := newRow(fmt.Sprintf("first apply (%d creates)", n), "SSA of all", 3, 1.5)
	err := b.apply(ctx, &r, "first", v0, "", func(s summary) bool { return s.Create == n && s.Failed == 0 },
		map[string]int{"created": n})
	if err == nil {
		err = b.peer(ctx, &r, tFloor, opApply, "", map[string]int{"applied": n})
	}
	if rows = append(rows, r); err != nil {
		return rows, err
	}

	// 2. Plan with nothing changed.
	r = newRow("plan, nothing changed", "dry-run SSA of all", 5, 0)
	err = b.plan(ctx, &r, "plannoop", v0, func(s summary) bool { return all(s) == 0 }, map[string]int{"unchanged": n})
	if rows = append(rows, r); err != nil {
		return rows, err
	}

	// 3. Plan with a fraction of the objects changed in git.
	if err := b.write(v1); err != nil {
		return rows, err
	}
	r = newRow(fmt.Sprintf("plan, %d changed", ch), "dry-run SSA of all", 5, 0)
	full := newRow("plan --full-dry-run, same", "dry-run SSA of all", 5, 1.5)
	wantPlan := func(s summary) bool { return s.Update == ch && s.Create+s.Delete == 0 }
	err = b.plan(ctx, &r, "plan", v1, wantPlan, map[string]int{"configured": ch, "unchanged": n - ch})
	for i := 0; err == nil && i < b.c.repeat; i++ {
		err = b.oursRun(ctx, &full, tOurs, "plan", wantPlan, "--full-dry-run")
	}
	full.m[tOurs] = median(full.m[tOurs])
	for _, t := range []string{tKubectl, tRaw} {
		full.m[t] = r.m[t]
	}
	if rows = append(rows, r, full); err != nil {
		return rows, err
	}

	// 4. Apply that change.
	r = newRow(fmt.Sprintf("apply, %d changed", ch), "SSA of all", 3, 1.5)
	err = b.apply(ctx, &r, "change", v1, "", func(s summary) bool { return s.Update == ch && s.Create+s.Delete == 0 && s.Failed == 0 },
		map[string]int{"configured": ch, "unchanged": n - ch})
	if rows = append(rows, r); err != nil {
		return rows, err
	}

	// 5. Re-apply with nothing changed.
	r = newRow("no-op re-apply", "SSA of all, no-op", 10, 1.5)
	for i := 0; err == nil && i < b.c.repeat; i++ {
		err = b.apply(ctx, &r, "noop", v1, "", func(s summary) bool { return all(s) == 0 && s.Failed == 0 },
			map[string]int{"unchanged": n})
	}
	medians(&r)
	if rows = append(rows, r); err != nil {
		return rows, err
	}

	// 6. Remove a fraction of the objects from git and apply: they are pruned.
	if err := b.write(v2); err != nil {
		return rows, err
	}
	r = newRow(fmt.Sprintf("apply, %d removed (prune)", rm), "SSA of all + DELETE of the removed", 3, 1.5)
	err = b.apply(ctx, &r, "prune", v2, "prune", func(s summary) bool { return s.Delete == rm && s.Create+s.Update == 0 && s.Failed == 0 },
		map[string]int{"deleted": rm, "unchanged": n - rm})
	return append(rows, r), err
}

// apply runs one apply step for every tool: kubectl-gitops (with and without the soft
// heap limit), Flux's engine, kubectl and the raw loop. stale names the step whose
// removed objects Flux and the raw loop delete (prune); fluxWant is what Flux should
// report (a mismatch is shown, not fatal).
func (b *bench) apply(ctx context.Context, r *row, step string, v version, stale string, ok func(summary) bool, fluxWant map[string]int) error {
	for _, t := range []string{tOurs, tNoLimit} {
		if err := b.oursRun(ctx, r, t, "apply", ok); err != nil {
			return err
		}
	}
	staleFile := ""
	if stale != "" {
		staleFile = filepath.Join(b.work, "stale-"+step+".yaml")
	}
	if err := b.peer(ctx, r, tFlux, opApply, staleFile, fluxWant); err != nil {
		return err
	}
	if err := b.kubectlApply(ctx, r, step, v); err != nil {
		return err
	}
	return b.peer(ctx, r, tRaw, opApply, staleFile, nil)
}

// plan runs one read-only step for every tool, -repeat times (the median is shown).
func (b *bench) plan(ctx context.Context, r *row, step string, v version, ok func(summary) bool, fluxWant map[string]int) error {
	for i := 0; i < b.c.repeat; i++ {
		for _, t := range []string{tOurs, tNoLimit} {
			if err := b.oursRun(ctx, r, t, "plan", func(s summary) bool { return ok(s) && s.Problems == 0 }); err != nil {
				return err
			}
		}
		if err := b.peer(ctx, r, tFlux, opPlan, "", fluxWant); err != nil {
			return err
		}
		if b.kubectlTimed(step) {
			if err := b.kubectlDiff(ctx, r); err != nil {
				return err
			}
		}
		if err := b.peer(ctx, r, tRaw, opPlan, "", nil); err != nil {
			return err
		}
	}
	medians(r)
	return nil
}

// oursRun times kubectl-gitops verb (tool t: tOurs or tNoLimit) and checks its counts
// with ok: a fast wrong answer fails the run.
func (b *bench) oursRun(ctx context.Context, r *row, t, verb string, ok func(summary) bool, extra ...string) error {
	b.status("%s: kubectl-gitops %s %s", r.name, verb, strings.Join(append([]string{t}, extra...), " "))
	o := b.ours[t]
	if b.c.profileDir != "" && t == tOurs {
		base := filepath.Join(b.c.profileDir, slug(r.name+" "+strings.Join(extra, " ")))
		cp := *o
		cp.p = &proc{env: append(slices.Clone(o.p.env), "GITOPS_CPUPROFILE="+base+".cpu.pprof", "GITOPS_MEMPROFILE="+base+".heap.pprof"), log: o.p.log, rusage: o.p.rusage}
		o = &cp
	}
	var s summary
	m, err := b.counter.count(ctx, func() (measure, error) {
		run := o.apply
		if verb == "plan" {
			run = o.plan
		}
		m, ss, err := run(ctx, b.roots[t], extra...)
		s = ss
		return m, err
	})
	r.m[t], r.said[t] = collect(r.m[t], m), s.String()
	if err != nil {
		return err
	}
	return check(ok(s), "%s: kubectl-gitops (%s) reported %s", r.name, t, s)
}

// peer times a peer subprocess (Flux, the raw loop or the floor) over its files.
// want, if not nil, is what it should report; a mismatch is shown in the report.
func (b *bench) peer(ctx context.Context, r *row, t, op, staleFile string, want map[string]int) error {
	b.status("%s: %s", r.name, t)
	if staleFile != "" {
		var stale []*unstructured.Unstructured
		for _, o := range b.sets[t].objs {
			if removed(o.index, b.c.change) {
				stale = append(stale, o.u)
			}
		}
		staleFile = strings.TrimSuffix(staleFile, ".yaml") + "-" + t + ".yaml"
		if err := writeObjects(staleFile, stale); err != nil {
			return err
		}
	}
	var counts map[string]int
	m, err := b.counter.count(ctx, func() (measure, error) {
		m, c, err := b.peers[t].run(ctx, op, b.roots[t], staleFile)
		counts = c
		return m, err
	})
	r.m[t] = collect(r.m[t], m)
	r.said[t] = countsString(counts)
	for k, v := range want {
		if counts[k] != v {
			r.said[t] += fmt.Sprintf(" (expected %d %s)", v, k)
		}
	}
	return err
}

// slug turns a step's name into a file name.
func slug(s string) string {
	return strings.Trim(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(s)), "-")
}

func countsString(c map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(c)) {
		parts = append(parts, fmt.Sprintf("%d %s", c[k], k))
	}
	return strings.Join(parts, ", ")
}

// kubectlApply times kubectl's apply into r when step is timed; otherwise it brings
// kubectl's objects to the same state in-process (field manager "kubectl", as kubectl
// apply --server-side uses), untimed, so that later kubectl steps start right.
func (b *bench) kubectlApply(ctx context.Context, r *row, step string, v version) error {
	if b.k == nil {
		return nil
	}
	if !b.kubectlTimed(step) {
		if step == "prune" { // the last step: nothing starts from it
			return nil
		}
		b.status("%s: kubectl's objects, untimed (not in -kubectl-steps)", step)
		return b.inproc.applyAs(ctx, "kubectl", b.sets[tKubectl].current(v))
	}
	b.status("%s: kubectl", r.name)
	m, err := b.counter.count(ctx, func() (measure, error) {
		return b.k.apply(ctx, b.sets[tKubectl], b.roots[tKubectl])
	})
	r.m[tKubectl] = collect(r.m[tKubectl], m)
	return err
}

func (b *bench) kubectlDiff(ctx context.Context, r *row) error {
	b.status("%s: kubectl diff", r.name)
	var nd int
	m, err := b.counter.count(ctx, func() (measure, error) {
		m, d, err := b.k.diff(ctx, b.roots[tKubectl])
		nd = d
		return m, err
	})
	r.m[tKubectl] = collect(r.m[tKubectl], m)
	r.said[tKubectl] = fmt.Sprintf("kubectl diff: %d objects differ", nd)
	if nd > b.changed {
		// kubectl diff has no --applyset: it also shows every member losing the
		// applyset part-of label that kubectl apply --applyset added.
		r.said[tKubectl] += " (the unchanged ones only lose the applyset part-of label: kubectl diff has no --applyset)"
	}
	return err
}

func check(ok bool, format string, args ...any) error {
	if ok {
		return nil
	}
	return fmt.Errorf(format, args...)
}

// collect adds run m of a step to acc: its wall time to runs, its CPU time, RSS and
// requests as the latest (RSS: the peak).
func collect(acc, m measure) measure {
	acc.runs = append(acc.runs, m.wall)
	acc.wall, acc.cpu, acc.procs, acc.requests = m.wall, m.cpu, m.procs, m.requests
	acc.maxRSS = max(acc.maxRSS, m.maxRSS)
	return acc
}

// medians sets every tool's wall time in r to the median of its runs.
func medians(r *row) {
	for t, m := range r.m {
		r.m[t] = median(m)
	}
}

// median sets wall to the median of the collected runs.
func median(m measure) measure {
	if len(m.runs) == 0 {
		return m
	}
	runs := slices.Clone(m.runs)
	slices.Sort(runs)
	m.wall = runs[len(runs)/2]
	if len(runs)%2 == 0 {
		m.wall = (runs[len(runs)/2-1] + runs[len(runs)/2]) / 2
	}
	return m
}
