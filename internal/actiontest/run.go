package actiontest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Run says how to run an action.
type Run struct {
	// Inputs given with with:; the others take their defaults.
	Inputs map[string]string
	// GitHub is the github context (action_path, action_ref, event_name, sha, ...).
	GitHub map[string]string
	// Env is the environment of every step (the runner's GITHUB_* variables
	// included); the steps' env: entries are added to it.
	Env []string
	// Dir is the working directory (GITHUB_WORKSPACE).
	Dir string
	// Temp is RUNNER_TEMP; the step files live in it.
	Temp string
	// TraceExec records the command line of every program the steps execute, their
	// children included (what ps shows to anyone on the runner), in Result.Execs. It
	// runs the steps under strace.
	TraceExec bool
}

// Result is what running an action gave.
type Result struct {
	// Log is every step's output with the masked values replaced by ***, and without
	// the ::add-mask:: commands, as GitHub shows it.
	Log string
	// Raw is the log without the ::add-mask:: commands and without masking: what the
	// steps printed besides asking to mask values.
	Raw string
	// Masks are the values the steps asked to mask.
	Masks []string
	// Summaries are the steps' job summaries, in order.
	Summaries []string
	// Steps are the outputs of each step by id; Outputs the action's.
	Steps   map[string]map[string]string
	Outputs map[string]string
	// Execs are strace's lines of every execve of the steps and their children, with
	// each command line in full (argv only, not the environment), when Run.TraceExec.
	Execs []string
	// Err is the first step's failure.
	Err error
}

// Execute runs the action's steps in order until one fails.
func (a *Action) Execute(ctx context.Context, r Run) (*Result, error) {
	inputs := map[string]string{}
	for name, in := range a.Inputs {
		inputs[name] = in.Default
	}
	for name, v := range r.Inputs {
		if _, ok := a.Inputs[name]; !ok {
			return nil, fmt.Errorf("unknown input %q", name)
		}
		inputs[name] = v
	}
	envCtx := map[string]string{}
	for _, kv := range r.Env {
		k, v, _ := strings.Cut(kv, "=")
		envCtx[k] = v
	}
	c := &Contexts{
		Values: map[string]map[string]string{"github": r.GitHub, "env": envCtx,
			"runner": {"os": envCtx["RUNNER_OS"], "arch": envCtx["RUNNER_ARCH"], "temp": r.Temp}},
		Steps: map[string]map[string]string{},
	}
	// Default values may be expressions (${{ github.token }}).
	c.Values["inputs"] = map[string]string{}
	for name, v := range inputs {
		val, err := c.Interpolate(v)
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", name, err)
		}
		c.Values["inputs"][name] = val
	}
	for name, in := range a.Inputs {
		if in.Required && c.Values["inputs"][name] == "" {
			return nil, fmt.Errorf("input %s is required", name)
		}
	}
	res := &Result{Steps: c.Steps, Outputs: map[string]string{}}
	var log strings.Builder
	for i, s := range a.Runs.Steps {
		ok, err := c.Condition(s.If)
		if err != nil {
			return nil, fmt.Errorf("step %s: if: %w", s.ID, err)
		}
		if !ok {
			continue
		}
		name, err := c.Interpolate(s.Name)
		if err != nil {
			return nil, fmt.Errorf("step %s: name: %w", s.ID, err)
		}
		fmt.Fprintf(&log, "##[group]Run %s\n", name)
		out, summary, stepErr := a.runStep(ctx, c, r, i, s, &log, res)
		res.Summaries = append(res.Summaries, summary)
		if s.ID != "" {
			c.Steps[s.ID] = out
		}
		if stepErr != nil {
			res.Err = fmt.Errorf("step %s: %w", s.ID, stepErr)
			break
		}
	}
	res.Raw = log.String()
	res.Log = mask(res.Raw, res.Masks)
	if res.Err == nil {
		for name, o := range a.Outputs {
			v, err := c.Interpolate(o.Value)
			if err != nil {
				return nil, fmt.Errorf("output %s: %w", name, err)
			}
			res.Outputs[name] = v
		}
	}
	return res, nil
}

func (a *Action) runStep(ctx context.Context, c *Contexts, r Run, i int, s Step, log *strings.Builder, res *Result) (map[string]string, string, error) {
	dir := filepath.Join(r.Temp, "_runner_file_commands", fmt.Sprintf("step%d", i))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", err
	}
	files := map[string]string{}
	for _, f := range []string{"GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STATE"} {
		files[f] = filepath.Join(dir, strings.ToLower(f))
		if err := os.WriteFile(files[f], nil, 0o644); err != nil {
			return nil, "", err
		}
	}
	script := filepath.Join(dir, "script.sh")
	if err := os.WriteFile(script, []byte(s.Run), 0o644); err != nil {
		return nil, "", err
	}
	env := append([]string(nil), r.Env...)
	env = append(env, "RUNNER_TEMP="+r.Temp)
	for k, v := range files {
		env = append(env, k+"="+v)
	}
	pairs, err := s.EnvPairs()
	if err != nil {
		return nil, "", err
	}
	for _, kv := range pairs {
		v, err := c.Interpolate(kv[1])
		if err != nil {
			return nil, "", fmt.Errorf("env %s: %w", kv[0], err)
		}
		env = append(env, kv[0]+"="+v)
	}
	// As GitHub runs shell: bash.
	argv := []string{"bash", "--noprofile", "--norc", "-eo", "pipefail", script}
	trace := filepath.Join(dir, "execve.trace")
	if r.TraceExec {
		// Only execve stops the tracees (seccomp-bpf); envp is printed as a count.
		argv = append([]string{"strace", "-f", "-qq", "--seccomp-bpf", "-e", "trace=execve", "-e", "signal=none",
			"-s", "1048576", "-o", trace}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = r.Dir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "::add-mask::"); ok {
			res.Masks = append(res.Masks, unescape(v))
			continue
		}
		log.WriteString(line + "\n")
	}
	if r.TraceExec {
		execs, err := os.ReadFile(trace)
		if err != nil {
			return nil, "", fmt.Errorf("strace (needed by TraceExec): %w\n%s", err, out.String())
		}
		for _, l := range strings.Split(string(execs), "\n") {
			if strings.Contains(l, " execve(") {
				res.Execs = append(res.Execs, l)
			}
		}
	}
	outputs, err := parseOutputs(files["GITHUB_OUTPUT"])
	if err != nil {
		return nil, "", err
	}
	summary, err := os.ReadFile(files["GITHUB_STEP_SUMMARY"])
	if err != nil {
		return nil, "", err
	}
	if runErr != nil {
		return outputs, string(summary), fmt.Errorf("%w\n%s", runErr, mask(out.String(), res.Masks))
	}
	return outputs, string(summary), nil
}

// parseOutputs reads a $GITHUB_OUTPUT file: name=value and name<<DELIMITER lines.
func parseOutputs(file string) (map[string]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if l == "" {
			continue
		}
		if k, delim, ok := strings.Cut(l, "<<"); ok && !strings.Contains(k, "=") {
			var v []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				v = append(v, lines[i])
			}
			if i == len(lines) {
				return nil, fmt.Errorf("GITHUB_OUTPUT: %s: no closing %s", k, delim)
			}
			out[k] = strings.Join(v, "\n")
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			return nil, fmt.Errorf("GITHUB_OUTPUT: line %q is not name=value", l)
		}
		out[k] = v
	}
	return out, nil
}

// mask replaces each value with ***, longest first.
func mask(s string, masks []string) string {
	ms := append([]string(nil), masks...)
	sort.Slice(ms, func(i, j int) bool { return len(ms[i]) > len(ms[j]) })
	for _, m := range ms {
		if m != "" {
			s = strings.ReplaceAll(s, m, "***")
		}
	}
	return s
}

func unescape(s string) string {
	return strings.NewReplacer("%0D", "\r", "%0A", "\n", "%25", "%").Replace(s)
}
