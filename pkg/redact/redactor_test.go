package redact

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	r := New()
	r.Add("hunter2-long", "ab", "line one\n  line two  \n", "with \"quote\"", "", "   ", "\xff\xfebin")
	tests := []struct {
		name, in, want string
	}{
		{"raw", "password is hunter2-long.", "password is (masked)."},
		{"base64", "value " + base64.StdEncoding.EncodeToString([]byte("hunter2-long")), "value (masked)"},
		{"inside a longer word", "xhunter2-longx", "x(masked)x"},
		{"short value as a word", "pin: ab, Value:ab}", "pin: (masked), Value:(masked)}"},
		{"short value inside a word is kept", "table abc cab", "table abc cab"},
		{"short value's base64", "YWI=", "(masked)"},
		{"folded multi-line value", "bad: line one line two", "bad: (masked) (masked)"},
		{"JSON escaped", `{"v":"with \"quote\""}`, `{"v":"(masked)"}`},
		{"bytes printed with %v", fmt.Sprintf("line %v", []byte("\xff\xfebin")), "line [(masked)]"},
		{"whitespace values are ignored", "a   b", "a   b"},
		{"nothing to redact", "all fine", "all fine"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLongestFirst(t *testing.T) {
	r := New()
	r.Add("secret", "secret-and-more")
	if got := r.String("x secret-and-more y"); got != "x (masked) y" {
		t.Errorf("got %q", got)
	}
}

func TestNil(t *testing.T) {
	var r *Redactor
	r.Add("x")
	if r.String("x") != "x" || r.Error(nil) != nil || !r.Empty() {
		t.Error("a nil Redactor must redact nothing")
	}
}

func TestAddSecret(t *testing.T) {
	r := New()
	r.AddSecret(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "data": map[string]any{"k": "not-secret"}})
	r.AddSecret(map[string]any{"apiVersion": "v1", "kind": "Secret",
		"data":       map[string]any{"a": base64.StdEncoding.EncodeToString([]byte("decoded-value"))},
		"stringData": map[string]any{"pin": int64(1234), "b": "plain-value"}})
	got := r.String("not-secret decoded-value plain-value Value:1234 " + base64.StdEncoding.EncodeToString([]byte("plain-value")))
	if want := "not-secret (masked) (masked) Value:(masked) (masked)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestError(t *testing.T) {
	r := New()
	r.Add("hunter2-long")
	err := r.Error(fmt.Errorf("read: %w (hunter2-long)", fs.ErrNotExist))
	if err.Error() != "read: file does not exist ((masked))" || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("got %v", err)
	}
	plain := errors.New("plain")
	if r.Error(plain) != plain {
		t.Error("an error with nothing to redact must be returned as it is")
	}
}

func TestHandler(t *testing.T) {
	r := New()
	var buf bytes.Buffer
	log := slog.New(r.Handler(slog.NewTextHandler(&buf, nil))).With("early", "hunter2-long").WithGroup("g")
	r.Add("hunter2-long", "12") // learnt after the logger was made
	log.Info("msg hunter2-long", "err", errors.New("bad hunter2-long"), "n", 12, "grp", slog.GroupValue(slog.String("x", "hunter2-long")))
	out := buf.String()
	if strings.Contains(out, "hunter2") || strings.Contains(out, "=12") {
		t.Errorf("log line leaks a value: %s", out)
	}
	for _, want := range []string{`msg="msg (masked)"`, `early=(masked)`, `g.err="bad (masked)"`, `g.n=(masked)`, `g.grp.x=(masked)`} {
		if !strings.Contains(out, want) {
			t.Errorf("log line lacks %s: %s", want, out)
		}
	}
}
