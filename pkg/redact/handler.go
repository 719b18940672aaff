package redact

import (
	"context"
	"log/slog"
)

// Handler wraps h so that every log record is redacted: its message and every attribute
// value (strings, errors, anything printed with %v), including attributes added with
// Logger.With, which are redacted with the values known when the record is logged.
func (r *Redactor) Handler(h slog.Handler) slog.Handler {
	return &handler{r: r, inner: h}
}

type handler struct {
	r     *Redactor
	inner slog.Handler
	ops   []op // WithAttrs and WithGroup calls, applied to inner at Handle time
}

type op struct {
	group string
	attrs []slog.Attr
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	inner := h.inner
	for _, o := range h.ops {
		if o.attrs != nil {
			inner = inner.WithAttrs(h.attrs(o.attrs))
		} else {
			inner = inner.WithGroup(o.group)
		}
	}
	out := slog.NewRecord(rec.Time, rec.Level, h.r.String(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return inner.Handle(ctx, out)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return h.with(op{attrs: attrs})
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.with(op{group: name})
}

func (h *handler) with(o op) *handler {
	ops := append(append([]op(nil), h.ops...), o)
	return &handler{r: h.r, inner: h.inner, ops: ops}
}

func (h *handler) attrs(as []slog.Attr) []slog.Attr {
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i] = h.attr(a)
	}
	return out
}

func (h *handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindGroup:
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(h.attrs(v.Group())...)}
	case slog.KindString:
		return slog.String(a.Key, h.r.String(v.String()))
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, h.r.String(err.Error()))
		}
		return slog.String(a.Key, h.r.String(v.String()))
	}
	// Numbers, times, durations, bools: kept as they are unless printed they are a value.
	if s := v.String(); h.r.String(s) != s {
		return slog.String(a.Key, h.r.String(s))
	}
	return slog.Attr{Key: a.Key, Value: v}
}
