package e2e

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/creack/pty"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/cmd"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// capture is one output stream of a command: a pseudo-terminal or a pipe, and what was
// written to it.
type capture struct {
	w    *os.File
	r    *os.File
	done chan []byte
}

func newCapture(t *testing.T, tty bool) *capture {
	t.Helper()
	var c capture
	var err error
	if tty {
		c.r, c.w, err = pty.Open()
		if err == nil {
			err = pty.Setsize(c.r, &pty.Winsize{Rows: 40, Cols: 120})
		}
	} else {
		c.r, c.w, err = os.Pipe()
	}
	if err != nil {
		t.Fatal(err)
	}
	c.done = make(chan []byte)
	go func() {
		var b bytes.Buffer
		_, err := io.Copy(&b, c.r)
		if err != nil && !errors.Is(err, syscall.EIO) { // a pty's reader ends with EIO
			b.WriteString("\nread error: " + err.Error())
		}
		c.done <- b.Bytes()
	}()
	return &c
}

// text closes the writing end and returns everything written.
func (c *capture) text() string {
	c.w.Close()
	b := <-c.done
	c.r.Close()
	// A terminal turns \n into \r\n.
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

// gitopsOn runs the command with stdout and stderr each a terminal (tty) or a pipe.
func gitopsOn(t *testing.T, tty bool, args ...string) (stdout, stderr string) {
	t.Helper()
	out, errOut := newCapture(t, tty), newCapture(t, tty)
	root := cmd.NewRoot(genericiooptions.IOStreams{In: strings.NewReader(""), Out: out.w, ErrOut: errOut.w})
	root.SetArgs(append([]string{"--kubeconfig", cluster.Kubeconfig}, args...))
	err := root.ExecuteContext(context.Background())
	stdout, stderr = out.text(), errOut.text()
	if err != nil {
		t.Fatalf("kubectl gitops %v: %v\nstdout:\n%s\nstderr:\n%s", args, err, stdout, stderr)
	}
	return stdout, stderr
}

// TestColorsAndProgressOnlyOnATerminal: on a terminal the plan is coloured and apply
// draws progress bars; through a pipe, with NO_COLOR, with TERM=dumb or with
// --color=never no colour is written, and progress is log lines instead of bars
// (except NO_COLOR, which is about colour only).
func TestColorsAndProgressOnlyOnATerminal(t *testing.T) {
	const ansi = "\x1b["
	const colour = "\x1b[3" // a foreground colour, e.g. green for create
	tests := []struct {
		name       string
		tty        bool
		env        map[string]string
		flags      []string
		wantColour bool
		wantBars   bool
	}{
		{name: "terminal", tty: true, wantColour: true, wantBars: true},
		{name: "pipe", tty: false},
		{name: "pipe, --color=always", tty: false, flags: []string{"--color=always"}, wantColour: true},
		{name: "terminal, NO_COLOR", tty: true, env: map[string]string{"NO_COLOR": "1"}, wantBars: true},
		{name: "terminal, --color=never", tty: true, flags: []string{"--color=never"}, wantBars: true},
		{name: "terminal, TERM=dumb", tty: true, env: map[string]string{"TERM": "dumb"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			set := "colours-" + string(rune('a'+i)) // and its namespace
			r := gitrepotest.NewRepo(t, map[string]string{"ns.yaml": sprintf(nsShop, set), "cm.yaml": cm(set, set, "a: b")})
			args := append([]string{"apply", r.Dir, "--applyset", set}, tt.flags...)
			stdout, stderr := gitopsOn(t, tt.tty, args...)
			if got := strings.Contains(stdout, colour); got != tt.wantColour {
				t.Errorf("colour in stdout: %v, want %v\n%q", got, tt.wantColour, stdout)
			}
			if !strings.Contains(stdout, "configmap/"+set) && !strings.Contains(stdout, "ConfigMap") {
				t.Errorf("stdout lacks the plan:\n%s", stdout)
			}
			// mpb draws each stage as "name  n/n [=====] 100 %"; the log says msg=stage.
			bars := strings.Contains(stderr, "100 %")
			logLines := strings.Contains(stderr, "msg=stage")
			if bars != tt.wantBars || logLines == tt.wantBars {
				t.Errorf("bars %v, log lines %v; want bars %v\n%q", bars, logLines, tt.wantBars, stderr)
			}
			if !tt.wantBars && strings.Contains(stderr, ansi) {
				t.Errorf("escape codes on stderr without bars:\n%q", stderr)
			}
			if !tt.wantColour && !tt.wantBars && strings.Contains(stdout, ansi) {
				t.Errorf("escape codes on stdout:\n%q", stdout)
			}
		})
	}
}
