package cmdutil

import (
	"io"
	"log/slog"
)

// NewErrorLogger returns the logger of the commands that print their own problems
// (images, release): errors only, to w.
func NewErrorLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelError}))
}
