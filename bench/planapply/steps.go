package main

import (
	"context"
	"fmt"
	"slices"
)

// Steps kubectl can be timed in (-kubectl-steps).
var kubectlStepNames = []string{"first", "plan", "change", "noop"}

// row is one step of the benchmark: what each tool measured, the targets, and what
// the tools reported (to show they did the work the step claims).
type row struct {
	name        string
	ours        measure
	kubectl     measure
	raw         measure
	rawLabel    string  // what the raw loop did
	vsKubectl   float64 // target: kubectl/ours at least this (0: none)
	vsRaw       float64 // target: ours/raw at most this (0: none)
	oursSaid    string
	kubectlSaid string
}

type bench struct {
	c       config
	o       *ours
	k       *kubectl
	raw     *raw
	counter *counter
	sets    map[string]*set
	roots   map[string]string
	changed int
	status  func(string, ...any)
}

// kubectlTimed reports whether kubectl is timed in step.
func (b *bench) kubectlTimed(step string) bool {
	return b.k != nil && slices.Contains(b.c.kubectlSteps, step)
}

// steps runs the steps in order; each leaves the state the next one starts from.
// It returns the rows measured so far with the first error.
func (b *bench) steps(ctx context.Context) ([]row, error) {
	var rows []row
	n, ch, frac := b.c.n, b.changed, b.c.change

	// 1. First apply into namespaces that do not exist yet.
	r := row{name: fmt.Sprintf("first apply (%d creates)", n), vsKubectl: 3, vsRaw: 1.5, rawLabel: "SSA of all"}
	err := b.oursApply(ctx, &r, "first apply", func(s summary) bool { return s.Create == n && s.Failed == 0 })
	if err == nil {
		err = b.kubectlApply(ctx, &r, "first", 0)
	}
	if err == nil {
		r.raw, err = b.rawApply(ctx, "first apply", 0, false)
	}
	rows = append(rows, r)
	if err != nil {
		return rows, err
	}

	// 2. Plan with a fraction of the objects changed in git.
	for _, t := range []string{"ours", "kubectl"} {
		if _, err := b.sets[t].write(b.roots[t], frac); err != nil {
			return rows, err
		}
	}
	r = row{name: fmt.Sprintf("plan, %d changed", ch), vsKubectl: 5, rawLabel: "dry-run SSA of all"}
	full := row{name: "plan --full-dry-run, same", vsKubectl: 5, vsRaw: 1.5, rawLabel: "dry-run SSA of all"}
	for i := 0; i < b.c.repeat; i++ {
		if err := b.oursPlan(ctx, &r, func(s summary) bool { return s.Update == ch && s.Create+s.Delete == 0 }); err != nil {
			return append(rows, r), err
		}
		if err := b.oursPlan(ctx, &full, func(s summary) bool { return s.Update == ch && s.Create+s.Delete == 0 }, "--full-dry-run"); err != nil {
			return append(rows, r, full), err
		}
		if b.kubectlTimed("plan") {
			b.status("plan: kubectl diff")
			var nd int
			m, err := b.counter.count(ctx, func() (measure, error) {
				m, d, err := b.k.diff(ctx, b.roots["kubectl"])
				nd = d
				return m, err
			})
			r.kubectl = collect(r.kubectl, m)
			r.kubectlSaid = fmt.Sprintf("%d objects differ", nd)
			if nd > ch {
				// kubectl diff has no --applyset: it also shows every member losing the
				// applyset part-of label that kubectl apply --applyset added.
				r.kubectlSaid += fmt.Sprintf(" (%d changed, the rest only lose the applyset part-of label: kubectl diff has no --applyset)", ch)
			}
			if err == nil {
				err = check(nd >= ch, "kubectl diff reported %d objects, want at least %d", nd, ch)
			}
			if err != nil {
				return append(rows, r, full), err
			}
		}
		m, err := b.rawApply(ctx, "plan", frac, true)
		if err != nil {
			return append(rows, r, full), err
		}
		r.raw = collect(r.raw, m)
	}
	r.ours, r.kubectl, r.raw = median(r.ours), median(r.kubectl), median(r.raw)
	full.ours, full.kubectl, full.raw = median(full.ours), r.kubectl, r.raw
	rows = append(rows, r, full)

	// 3. Apply that change.
	r = row{name: fmt.Sprintf("apply, %d changed", ch), vsKubectl: 3, vsRaw: 1.5, rawLabel: "SSA of all"}
	err = b.oursApply(ctx, &r, "apply change", func(s summary) bool { return s.Update == ch && s.Create+s.Delete == 0 && s.Failed == 0 })
	if err == nil {
		err = b.kubectlApply(ctx, &r, "change", frac)
	}
	if err == nil {
		r.raw, err = b.rawApply(ctx, "apply change", frac, false)
	}
	rows = append(rows, r)
	if err != nil {
		return rows, err
	}

	// 4. Re-apply with nothing changed.
	r = row{name: "no-op re-apply", vsKubectl: 10, vsRaw: 1.5, rawLabel: "SSA of all, no-op"}
	for i := 0; i < b.c.repeat; i++ {
		if err := b.oursApply(ctx, &r, "no-op re-apply", func(s summary) bool { return s.Create+s.Update+s.Delete == 0 && s.Failed == 0 }); err != nil {
			return append(rows, r), err
		}
		if err := b.kubectlApply(ctx, &r, "noop", frac); err != nil {
			return append(rows, r), err
		}
		m, err := b.rawApply(ctx, "no-op re-apply", frac, false)
		if err != nil {
			return append(rows, r), err
		}
		r.raw = collect(r.raw, m)
	}
	r.ours, r.kubectl, r.raw = median(r.ours), median(r.kubectl), median(r.raw)
	return append(rows, r), nil
}

// oursApply times kubectl-gitops apply into r.ours and checks its counts with ok.
func (b *bench) oursApply(ctx context.Context, r *row, what string, ok func(summary) bool) error {
	b.status("%s: kubectl-gitops", what)
	var s summary
	m, err := b.counter.count(ctx, func() (measure, error) {
		m, ss, err := b.o.apply(ctx, b.roots["ours"])
		s = ss
		return m, err
	})
	r.ours, r.oursSaid = collect(r.ours, m), s.String()
	if err != nil {
		return err
	}
	return check(ok(s), "%s: kubectl-gitops reported %s", what, s)
}

func (b *bench) oursPlan(ctx context.Context, r *row, ok func(summary) bool, extra ...string) error {
	b.status("plan %v: kubectl-gitops", extra)
	var s summary
	m, err := b.counter.count(ctx, func() (measure, error) {
		m, ss, err := b.o.plan(ctx, b.roots["ours"], extra...)
		s = ss
		return m, err
	})
	r.ours, r.oursSaid = collect(r.ours, m), s.String()
	if err != nil {
		return err
	}
	return check(ok(s) && s.Problems == 0, "plan %v: kubectl-gitops reported %s, want %d updates", extra, s, b.changed)
}

// kubectlApply times kubectl's apply into r.kubectl when step is timed; otherwise it
// brings kubectl's objects to the same state in-process (field manager "kubectl", as
// kubectl apply --server-side uses), untimed, so that later kubectl steps start right.
func (b *bench) kubectlApply(ctx context.Context, r *row, step string, frac float64) error {
	if b.k == nil {
		return nil
	}
	if !b.kubectlTimed(step) {
		b.status("%s: kubectl's objects, untimed (not in -kubectl-steps)", step)
		_, err := b.raw.applyAs(ctx, "kubectl", b.sets["kubectl"].current(frac), false)
		return err
	}
	b.status("%s: kubectl", step)
	m, err := b.counter.count(ctx, func() (measure, error) {
		return b.k.apply(ctx, b.sets["kubectl"], b.roots["kubectl"])
	})
	r.kubectl = collect(r.kubectl, m)
	return err
}

func (b *bench) rawApply(ctx context.Context, what string, frac float64, dryRun bool) (measure, error) {
	b.status("%s: raw loop", what)
	return b.counter.count(ctx, func() (measure, error) {
		return b.raw.apply(ctx, b.sets["raw"].current(frac), dryRun)
	})
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
