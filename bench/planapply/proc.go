package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// measure is the cost of one step for one tool: wall time, CPU time, the peak RSS of
// the largest process it ran (0 for in-process loops), and the API requests the server
// counted meanwhile.
type measure struct {
	wall     time.Duration
	cpu      time.Duration // user + system
	maxRSS   int64         // bytes
	procs    int           // subprocesses run
	requests requests
	runs     []time.Duration // walls of a repeated step
}

func (m *measure) add(o measure) {
	m.wall += o.wall
	m.cpu += o.cpu
	m.maxRSS = max(m.maxRSS, o.maxRSS)
	m.procs += o.procs
}

// proc runs subprocesses with a fixed environment and logs their output to a file.
type proc struct {
	env    []string
	log    io.Writer
	rusage string // the rusage helper
}

// result is one finished subprocess.
type result struct {
	measure
	code   int
	stdout []byte
	stderr []byte
}

// run runs name args and returns its output, wall time, CPU time and peak RSS. A
// non-zero exit status is not an error: the caller decides which codes are expected.
//
// The command runs under a small helper (./bench/planapply/rusage, built at start) that
// reports the command's getrusage: a child started directly by this process would
// report this process's peak RSS when it is larger, since Linux records the peak of
// the memory a child leaves at exec (Go starts children with vfork: this process's).
func (p *proc) run(ctx context.Context, stdin []byte, name string, args ...string) (*result, error) {
	usage, err := os.CreateTemp("", "bench-rusage-")
	if err != nil {
		return nil, err
	}
	usage.Close()
	defer os.Remove(usage.Name())
	cmd := exec.CommandContext(ctx, p.rusage, append([]string{usage.Name(), name}, args...)...)
	cmd.Env = p.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err = cmd.Run()
	var ru childUsage
	if b, rerr := os.ReadFile(usage.Name()); rerr == nil {
		_ = json.Unmarshal(b, &ru)
	}
	fmt.Fprintf(p.log, "$ %s %s\n# %s, exit %d\n%s%s\n", name, strings.Join(args, " "), ru.Wall.Round(time.Millisecond),
		cmd.ProcessState.ExitCode(), tail(stdout.Bytes(), 2000), tail(stderr.Bytes(), 4000))
	if cmd.ProcessState == nil || ru.Wall == 0 {
		return nil, fmt.Errorf("run %s: %v\n%s", name, err, tail(stderr.Bytes(), 2000))
	}
	r := &result{measure: measure{wall: ru.Wall, procs: 1, cpu: ru.CPU, maxRSS: ru.MaxRSS},
		code: cmd.ProcessState.ExitCode(), stdout: stdout.Bytes(), stderr: stderr.Bytes()}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return nil, fmt.Errorf("run %s: %w", name, err)
	}
	return r, nil
}

// childUsage is what the rusage helper reports of the command it ran.
type childUsage struct {
	Wall   time.Duration `json:"wall"`
	CPU    time.Duration `json:"cpu"`    // user + system
	MaxRSS int64         `json:"maxRSS"` // bytes
}

// expect returns an error naming the command when its exit code is not one of codes.
func (r *result) expect(what string, codes ...int) error {
	for _, c := range codes {
		if r.code == c {
			return nil
		}
	}
	return fmt.Errorf("%s: exit status %d, want %v\nstdout: %s\nstderr: %s", what, r.code, codes, tail(r.stdout, 1500), tail(r.stderr, 3000))
}

func tail(b []byte, n int) string {
	if len(b) > n {
		return "…" + string(b[len(b)-n:])
	}
	return string(b)
}

func environ(extra ...string) []string {
	env := append([]string{}, os.Environ()...)
	// The tools must talk to the bench's cluster only.
	env = dropEnv(env, "KUBECONFIG", "KUBECTL_APPLYSET", "KUBECTL_EXTERNAL_DIFF", "KUBECACHEDIR")
	return append(env, extra...)
}

func dropEnv(env []string, keys ...string) []string {
	out := env[:0]
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, d := range keys {
			if k == d {
				drop = true
			}
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return out
}
