package main

import (
	"context"
	"fmt"
	"slices"
)

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
	sets    map[string]*set
	roots   map[string]string
	changed int
	status  func(string, ...any)
}

// steps runs the steps in order; each leaves the state the next one starts from.
// It returns the rows measured so far with the first error.
func (b *bench) steps(ctx context.Context) ([]row, error) {
	var rows []row
	n, ch := b.c.n, b.changed

	// 1. First apply into empty namespaces.
	r := row{name: fmt.Sprintf("first apply (%d creates)", n), vsKubectl: 3, vsRaw: 1.5, rawLabel: "SSA of all"}
	b.status("first apply: kubectl-gitops")
	m, s, err := b.o.apply(ctx, b.roots["ours"])
	r.ours, r.oursSaid = m, s.String()
	if err == nil {
		err = check(s.Create == n && s.Failed == 0 && s.Problems == 0, "first apply: kubectl-gitops did not create %d objects: %s", n, s)
	}
	if err != nil {
		return append(rows, r), err
	}
	if b.k != nil {
		b.status("first apply: kubectl")
		if r.kubectl, err = b.k.apply(ctx, b.sets["kubectl"], b.roots["kubectl"]); err != nil {
			return append(rows, r), err
		}
	}
	b.status("first apply: raw loop")
	if r.raw, err = b.raw.apply(ctx, b.sets["raw"].current(0), false); err != nil {
		return append(rows, r), err
	}
	rows = append(rows, r)

	// 2. Plan with a fraction of the objects changed in git.
	for _, t := range []string{"ours", "kubectl"} {
		if _, err := b.sets[t].write(b.roots[t], b.c.change); err != nil {
			return rows, err
		}
	}
	r = row{name: fmt.Sprintf("plan, %d changed (%.0f%%)", ch, b.c.change*100), vsKubectl: 5, rawLabel: "dry-run SSA of all"}
	full := row{name: "  the same, --full-dry-run", rawLabel: "dry-run SSA of all", vsRaw: 1.5}
	for i := 0; i < b.c.repeat; i++ {
		b.status("plan: kubectl-gitops (%d/%d)", i+1, b.c.repeat)
		m, s, err := b.o.plan(ctx, b.roots["ours"])
		r.ours, r.oursSaid = collect(r.ours, m), s.String()
		if err == nil {
			err = check(s.Update == ch && s.Create == 0 && s.Delete == 0 && s.Problems == 0, "plan: kubectl-gitops saw %s, want %d updates", s, ch)
		}
		if err != nil {
			return append(rows, r), err
		}
		b.status("plan --full-dry-run: kubectl-gitops (%d/%d)", i+1, b.c.repeat)
		m, s, err = b.o.plan(ctx, b.roots["ours"], "--full-dry-run")
		full.ours, full.oursSaid = collect(full.ours, m), s.String()
		if err == nil {
			err = check(s.Update == ch && s.Problems == 0, "plan --full-dry-run: kubectl-gitops saw %s, want %d updates", s, ch)
		}
		if err != nil {
			return append(rows, r, full), err
		}
		if b.k != nil {
			b.status("diff: kubectl (%d/%d)", i+1, b.c.repeat)
			m, nd, err := b.k.diff(ctx, b.roots["kubectl"])
			// kubectl diff has no --applyset: besides the changed objects it shows every
			// member losing the applyset part-of label its apply added.
			r.kubectl, r.kubectlSaid = collect(r.kubectl, m), fmt.Sprintf("%d objects differ (%d changed; kubectl diff has no --applyset, "+
				"so it also shows the applyset part-of label its apply added as removed)", nd, ch)
			if err == nil {
				err = check(nd >= ch, "kubectl diff reported %d objects, want at least %d", nd, ch)
			}
			if err != nil {
				return append(rows, r, full), err
			}
		}
		b.status("plan: raw dry-run loop (%d/%d)", i+1, b.c.repeat)
		m, err = b.raw.apply(ctx, b.sets["raw"].current(b.c.change), true)
		if err != nil {
			return append(rows, r, full), err
		}
		r.raw = collect(r.raw, m)
	}
	r.ours, r.kubectl, r.raw = median(r.ours), median(r.kubectl), median(r.raw)
	full.ours, full.raw = median(full.ours), r.raw
	full.kubectl, full.vsKubectl = r.kubectl, 5
	rows = append(rows, r, full)

	// 3. Apply that change.
	r = row{name: fmt.Sprintf("apply, %d changed", ch), vsKubectl: 3, vsRaw: 1.5, rawLabel: "SSA of all"}
	b.status("apply change: kubectl-gitops")
	m, s, err = b.o.apply(ctx, b.roots["ours"])
	r.ours, r.oursSaid = m, s.String()
	if err == nil {
		err = check(s.Update == ch && s.Failed == 0, "apply change: kubectl-gitops reported %s, want %d updates", s, ch)
	}
	if err != nil {
		return append(rows, r), err
	}
	if b.k != nil {
		b.status("apply change: kubectl")
		if r.kubectl, err = b.k.apply(ctx, b.sets["kubectl"], b.roots["kubectl"]); err != nil {
			return append(rows, r), err
		}
	}
	b.status("apply change: raw loop")
	if r.raw, err = b.raw.apply(ctx, b.sets["raw"].current(b.c.change), false); err != nil {
		return append(rows, r), err
	}
	rows = append(rows, r)

	// 4. Re-apply with nothing changed.
	r = row{name: "no-op re-apply", vsKubectl: 10, vsRaw: 1.5, rawLabel: "SSA of all (no-op)"}
	for i := 0; i < b.c.repeat; i++ {
		b.status("no-op re-apply: kubectl-gitops (%d/%d)", i+1, b.c.repeat)
		m, s, err := b.o.apply(ctx, b.roots["ours"])
		r.ours, r.oursSaid = collect(r.ours, m), s.String()
		if err == nil {
			err = check(s.Create+s.Update+s.Delete == 0 && s.Failed == 0, "no-op re-apply: kubectl-gitops reported %s", s)
		}
		if err != nil {
			return append(rows, r), err
		}
		if b.k != nil {
			b.status("no-op re-apply: kubectl (%d/%d)", i+1, b.c.repeat)
			m, err := b.k.apply(ctx, b.sets["kubectl"], b.roots["kubectl"])
			if err != nil {
				return append(rows, r), err
			}
			r.kubectl = collect(r.kubectl, m)
		}
		b.status("no-op re-apply: raw loop (%d/%d)", i+1, b.c.repeat)
		m, err = b.raw.apply(ctx, b.sets["raw"].current(b.c.change), false)
		if err != nil {
			return append(rows, r), err
		}
		r.raw = collect(r.raw, m)
	}
	r.ours, r.kubectl, r.raw = median(r.ours), median(r.kubectl), median(r.raw)
	return append(rows, r), nil
}

func check(ok bool, format string, args ...any) error {
	if ok {
		return nil
	}
	return fmt.Errorf(format, args...)
}

// collect adds run m of a repeated step to acc: its wall time to runs, its RSS to the peak.
func collect(acc, m measure) measure {
	acc.runs = append(acc.runs, m.wall)
	acc.maxRSS = max(acc.maxRSS, m.maxRSS)
	acc.procs = m.procs
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
