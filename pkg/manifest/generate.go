package manifest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"strings"
	"time"
)

const (
	maxGeneratorOutput = 64 << 20 // bytes of stdout kept; more is an error
	stderrTail         = 2048     // bytes of stderr quoted in an error
)

// runGenerators runs the commands of dir/.gitops.yaml in order and parses their output.
// Objects get Source{File: dir/.gitops.yaml, Line: the document's line in the output}.
func runGenerators(ctx context.Context, root sourceRoot, dir string, timeout time.Duration) ([]Object, []*Error, int64) {
	file := path.Join(dir, GeneratorFile)
	data, err := root.readFile(file)
	if err != nil {
		return nil, []*Error{{Source: Source{File: file}, Err: err}}, 0
	}
	cfg, errs := parseGeneratorConfig(file, data)
	if len(errs) > 0 {
		return nil, errs, 0
	}
	var objs []Object
	var size int64
	for i, g := range cfg.generators {
		out, err := runCommand(ctx, root.abs(dir), g.command, timeout)
		if err != nil {
			errs = append(errs, &Error{Source: Source{File: file, Line: g.line}, Err: fmt.Errorf("generator %d (%s): %w", i+1, g.command, err)})
			continue
		}
		size += int64(len(out))
		o, e := parseDocuments(file, out, nil)
		for _, err := range e {
			err.Err = fmt.Errorf("output of generator %d (%s), line %d: %w", i+1, g.command, err.Source.Line, err.Err)
		}
		objs = append(objs, o...)
		errs = append(errs, e...)
	}
	return objs, errs, size
}

// runCommand runs command with sh -c in dir, with only PATH and HOME in its environment,
// and returns its stdout. The whole process group is killed when ctx ends or the
// timeout passes.
func runCommand(ctx context.Context, dir, command string, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Dir = dir
	cmd.Env = minimalEnv()
	cmd.Stdin = nil
	stdout := &limitedBuffer{max: maxGeneratorOutput}
	stderr := &tailBuffer{max: stderrTail}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	killGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("timed out after %s%s", timeout, stderr.quote())
		}
		return nil, fmt.Errorf("canceled: %w", ctx.Err())
	}
	if stdout.overflow {
		return nil, fmt.Errorf("output exceeds %d MiB", maxGeneratorOutput>>20)
	}
	if err != nil {
		return nil, fmt.Errorf("%w%s", err, stderr.quote())
	}
	return stdout.Bytes(), nil
}

func minimalEnv() []string {
	env := []string{"PATH=" + os.Getenv("PATH")}
	if home, ok := os.LookupEnv("HOME"); ok {
		env = append(env, "HOME="+home)
	}
	return env
}

// limitedBuffer keeps at most max bytes and remembers that it had to drop some.
type limitedBuffer struct {
	bytes.Buffer
	max      int
	overflow bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.overflow = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}

// tailBuffer keeps the last max bytes written.
type tailBuffer struct {
	buf []byte
	max int
	cut bool
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
		b.cut = true
	}
	return len(p), nil
}

// quote renders the tail for an error message ("" when there was no stderr).
func (b *tailBuffer) quote() string {
	s := strings.TrimSpace(string(b.buf))
	if s == "" {
		return ""
	}
	if b.cut {
		s = "..." + s
	}
	return "; stderr: " + s
}
