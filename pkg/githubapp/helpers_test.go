package githubapp

import (
	"context"
	"log/slog"
	"strings"
)

const (
	testSHA   = "0123456789abcdef0123456789abcdef01234567"
	testToken = "ghp_TESTtoken0123456789abcdefghijklmnopqrstu"
)

var testTarget = StatusTarget{Owner: "o", Repo: "r", SHA: testSHA}

// onLog calls fn for every log record whose message contains substr; it lets a
// test act at a precise point (e.g. just before a retry wait) without timing.
type onLog struct {
	substr string
	fn     func()
}

func (h onLog) Enabled(context.Context, slog.Level) bool { return true }
func (h onLog) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, h.substr) {
		h.fn()
	}
	return nil
}
func (h onLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h onLog) WithGroup(string) slog.Handler      { return h }
