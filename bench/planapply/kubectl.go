package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// kubectl runs kubectl as a user would, with its own defaults (client-side validation
// strict, client-go rate limits).
type kubectl struct {
	bin  string
	args []string // --kubeconfig, --cache-dir
	p    *proc
	// multiNS is true when one ApplySet can span the set's namespaces; else the apply
	// is one kubectl apply per namespace (see probe).
	multiNS bool
	// probeErr is what kubectl said when asked for a multi-namespace ApplySet.
	probeErr string
}

// probe asks kubectl for one ApplySet over two namespaces (the command of the issue)
// on a tiny set of its own, so that the real sets are not touched by a failed attempt.
func (k *kubectl) probe(ctx context.Context, dir string) error {
	var docs []string
	for _, ns := range []string{"bench-probe-a", "bench-probe-b"} {
		docs = append(docs, fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n", ns),
			fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: probe, namespace: %s}\ndata: {a: \"1\"}\n", ns))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "probe.yaml"), []byte(strings.Join(docs, "---\n")), 0o644); err != nil {
		return err
	}
	r, err := k.run(ctx, "apply", "--server-side", "--prune", "--applyset=secret/bench-probe", "-n", "default", "-f", dir, "-R")
	if err != nil {
		return err
	}
	k.multiNS = r.code == 0
	if !k.multiNS {
		k.probeErr = strings.TrimSpace(string(bytes.TrimSpace(r.stderr)))
	}
	return nil
}

func (k *kubectl) run(ctx context.Context, args ...string) (*result, error) {
	return k.p.run(ctx, nil, k.bin, append(append([]string{}, args...), k.args...)...)
}

// apply applies the set's files under root with pruning by ApplySet. When kubectl
// cannot span namespaces with one set, it does what a user has to: create the
// namespaces (a namespaced ApplySet parent needs its namespace), then one kubectl
// apply --prune --applyset per namespace, one after the other; the time is the total.
func (k *kubectl) apply(ctx context.Context, s *set, root string) (measure, error) {
	var m measure
	if k.multiNS {
		r, err := k.run(ctx, "apply", "--server-side", "--prune", "--applyset=secret/bench-kubectl", "-n", "default", "-f", root, "-R")
		if err != nil {
			return m, err
		}
		m.add(r.measure)
		return m, r.expect("kubectl apply", 0)
	}
	args := []string{"apply", "--server-side"}
	for _, ns := range s.namespaces {
		args = append(args, "-f", filepath.Join(root, ns, "namespace.yaml"))
	}
	r, err := k.run(ctx, args...)
	if err != nil {
		return m, err
	}
	m.add(r.measure)
	if err := r.expect("kubectl apply (namespaces)", 0); err != nil {
		return m, err
	}
	for _, ns := range s.namespaces {
		r, err := k.run(ctx, "apply", "--server-side", "--prune", "--applyset=secret/bench-kubectl", "-n", ns, "-f", filepath.Join(root, ns), "-R")
		if err != nil {
			return m, err
		}
		m.add(r.measure)
		if err := r.expect("kubectl apply -n "+ns, 0); err != nil {
			return m, err
		}
	}
	return m, nil
}

// diff runs kubectl diff --server-side over the whole tree and returns how many
// objects it reported.
func (k *kubectl) diff(ctx context.Context, root string) (measure, int, error) {
	r, err := k.run(ctx, "diff", "--server-side", "-f", root, "-R")
	if err != nil {
		return measure{}, 0, err
	}
	if err := r.expect("kubectl diff", 0, 1); err != nil {
		return r.measure, 0, err
	}
	return r.measure, bytes.Count(r.stdout, []byte("\ndiff -u -N ")) + boolInt(bytes.HasPrefix(r.stdout, []byte("diff -u -N "))), nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
