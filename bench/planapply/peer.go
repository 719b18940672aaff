package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"
)

// The in-process peers (Flux's engine, the raw loop and the validate+apply floor) run in
// a subprocess of this benchmark each: `planapply -peer TOOL -op OP ...`. Each one reads
// the same files as kubectl-gitops and kubectl, so that their CPU time (the whole
// process, from the parent's rusage) and peak RSS compare with the other tools'.

// Peer tools and the operations they run.
const (
	toolFlux  = "flux"  // github.com/fluxcd/pkg/ssa's ResourceManager
	toolRaw   = "raw"   // one server-side apply per object, nothing else
	toolFloor = "floor" // raw dry-run of all, then raw apply of all (validate before writing)

	opApply = "apply" // apply the files (Flux and raw: then delete -stale)
	opPlan  = "plan"  // Flux: Diff of every object; raw: dry-run apply of every object
)

// peerArgs are the flags of a peer subprocess.
type peerArgs struct {
	tool, op, dir, stale, kubeconfig string
	concurrency                      int
}

// peerResult is what a peer subprocess prints as JSON: its wall time (reading the
// files included; process start and API discovery not), and what it did by action.
type peerResult struct {
	Wall   time.Duration  `json:"wall"`
	Counts map[string]int `json:"counts"`
}

func (a *peerArgs) flags(fs *flag.FlagSet) {
	fs.StringVar(&a.tool, "peer", "", "internal: run as a peer subprocess: flux, raw or floor")
	fs.StringVar(&a.op, "op", "", "internal: peer operation: apply or plan")
	fs.StringVar(&a.dir, "dir", "", "internal: peer: the files to apply")
	fs.StringVar(&a.stale, "stale", "", "internal: peer: a YAML file of objects to delete after the apply (prune)")
	fs.StringVar(&a.kubeconfig, "kubeconfig", "", "internal: peer: kubeconfig")
}

// argv returns the command line that runs a in a subprocess of exe.
func (a peerArgs) argv() []string {
	args := []string{"-peer", a.tool, "-op", a.op, "-dir", a.dir, "-kubeconfig", a.kubeconfig,
		fmt.Sprintf("-concurrency=%d", a.concurrency)}
	if a.stale != "" {
		args = append(args, "-stale", a.stale)
	}
	return args
}

// peerMain runs one peer operation in this process and prints its result.
func peerMain(ctx context.Context, a peerArgs, out io.Writer) error {
	cfg, err := restConfig(a.kubeconfig)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = -1, 0 // no client-side limit, as kubectl-gitops by default
	var run func(ctx context.Context, objs, stale []*unstructured.Unstructured) (map[string]int, error)
	switch a.tool {
	case toolFlux:
		f, err := newFlux(cfg, a.concurrency)
		if err != nil {
			return err
		}
		run = f.apply
		if a.op == opPlan {
			run = f.plan
		}
	case toolRaw, toolFloor:
		r, err := newRaw(cfg, a.concurrency)
		if err != nil {
			return err
		}
		if err := r.warmAll(); err != nil {
			return err
		}
		run = func(ctx context.Context, objs, stale []*unstructured.Unstructured) (map[string]int, error) {
			return r.run(ctx, a.tool, a.op, objs, stale)
		}
	default:
		return fmt.Errorf("unknown peer %q", a.tool)
	}
	start := time.Now()
	objs, err := readTree(a.dir)
	if err != nil {
		return err
	}
	var stale []*unstructured.Unstructured
	if a.stale != "" {
		if stale, err = readFile(a.stale); err != nil {
			return err
		}
	}
	counts, err := run(ctx, objs, stale)
	if err != nil {
		return fmt.Errorf("%s %s: %w", a.tool, a.op, err)
	}
	return json.NewEncoder(out).Encode(peerResult{Wall: time.Since(start), Counts: counts})
}

// readTree reads every YAML file under dir, as a peer must before it applies them.
func readTree(dir string) ([]*unstructured.Unstructured, error) {
	var objs []*unstructured.Unstructured
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		o, err := readFile(path)
		objs = append(objs, o...)
		return err
	})
	return objs, err
}

func readFile(path string) ([]*unstructured.Unstructured, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var objs []*unstructured.Unstructured
	for _, doc := range bytes.Split(b, []byte("---\n")) {
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var m map[string]any
		if err := yaml.Unmarshal(doc, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		objs = append(objs, &unstructured.Unstructured{Object: m})
	}
	return objs, nil
}

// writeObjects writes objs as one YAML stream (the stale objects a peer deletes).
func writeObjects(path string, objs []*unstructured.Unstructured) error {
	var docs []string
	for _, o := range objs {
		b, err := yaml.Marshal(o.Object)
		if err != nil {
			return err
		}
		docs = append(docs, string(b))
	}
	return os.WriteFile(path, []byte(strings.Join(docs, "---\n")), 0o644)
}

// peer runs peer subprocesses of this benchmark's own binary.
type peer struct {
	tool string
	exe  string
	args peerArgs
	p    *proc
}

// run runs op over dir (deleting the objects in stale, if any, after the apply) in a
// subprocess and returns its measure: the wall time the peer timed, and the CPU time
// and peak RSS of the whole process.
func (p *peer) run(ctx context.Context, op, dir, stale string) (measure, map[string]int, error) {
	a := p.args
	a.tool, a.op, a.dir, a.stale = p.tool, op, dir, stale
	r, err := p.p.run(ctx, nil, p.exe, a.argv()...)
	if err != nil {
		return measure{}, nil, err
	}
	if err := r.expect(p.tool+" "+op, 0); err != nil {
		return r.measure, nil, err
	}
	var res peerResult
	if err := json.Unmarshal(r.stdout, &res); err != nil {
		return r.measure, nil, fmt.Errorf("%s %s: read result: %w", p.tool, op, err)
	}
	m := r.measure
	m.wall = res.Wall
	return m, res.Counts, nil
}

var errNoKubeconfig = errors.New("-kubeconfig is required")

func restConfig(path string) (*rest.Config, error) {
	if path == "" {
		return nil, errNoKubeconfig
	}
	return clientcmd.BuildConfigFromFlags("", path)
}
