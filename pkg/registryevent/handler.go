package registryevent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/dedupe"
)

// DefaultMaxBody bounds notification bodies: a distribution envelope or a Harbor
// payload is a few kilobytes.
const DefaultMaxBody = 1 << 20

// ErrBusy is what a dispatcher returns (wrapped) when it cannot take events now; the
// handler then answers 503 so the registry sends them again.
var ErrBusy = errors.New("busy")

// Handler serves registry notifications: it authenticates the shared secret before
// reading the body (401; a ?token= is enough only for the formats that send it that
// way, known once the body is read), bounds the body (413), detects the format and
// parses it (400, naming what is wrong), drops events whose ID it has already taken
// (200), acknowledges notifications that report no push (200), and hands the rest
// to dispatch (202; 503 when dispatch is busy, 500 when it fails otherwise). A
// refused request changes nothing.
type Handler struct {
	secret   []byte
	dispatch func(context.Context, []Event) error
	maxBody  int64
	seen     *dedupe.Set
	log      *slog.Logger
	observe  func(format, outcome string, events, duplicates int)
}

// Option configures a Handler.
type Option func(*Handler)

// WithMaxBody bounds the body size (default DefaultMaxBody).
func WithMaxBody(n int64) Option { return func(h *Handler) { h.maxBody = n } }

// WithLogger logs each notification's outcome to l.
func WithLogger(l *slog.Logger) Option { return func(h *Handler) { h.log = l } }

// WithObserver is told, once per notification, its format ("unknown" before it is
// known), its outcome (accepted, duplicate, ignored, busy, error, unauthorized,
// too_large, bad_request), how many events met that outcome and how many were
// dropped as already taken, e.g. for metrics.
func WithObserver(f func(format, outcome string, events, duplicates int)) Option {
	return func(h *Handler) { h.observe = f }
}

// WithIDMemory sets how many event IDs are remembered, and for how long, to drop
// replays (default 10,000 for 24 hours).
func WithIDMemory(n int, ttl time.Duration) Option {
	return func(h *Handler) { h.seen = dedupe.New(n, ttl) }
}

// NewHandler authenticates notifications with secret (which must not be empty) and
// passes their events to dispatch, which must not block: it queues the work.
func NewHandler(secret []byte, dispatch func(context.Context, []Event) error, opts ...Option) (*Handler, error) {
	if len(secret) == 0 {
		return nil, errors.New("registry webhook secret is empty: refusing to accept unauthenticated notifications")
	}
	h := &Handler{secret: secret, dispatch: dispatch, maxBody: DefaultMaxBody,
		seen: dedupe.New(10000, 24*time.Hour), log: slog.Default()}
	for _, o := range opts {
		o(h)
	}
	return h, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	format := "unknown"
	duplicates := 0
	answer := func(code int, outcome string, events int, msg string) {
		if h.observe != nil {
			h.observe(format, outcome, events, duplicates)
		}
		level := slog.LevelInfo
		if code >= 400 {
			level = slog.LevelWarn
		}
		h.log.Log(r.Context(), level, "registry notification", "format", format, "status", code,
			"outcome", outcome, "events", events, "duplicates", duplicates, "detail", msg)
		http.Error(w, msg, code)
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		answer(http.StatusMethodNotAllowed, "bad_request", 0, "POST only")
		return
	}
	// The secret is checked before a byte of the body is read: a header carrying it
	// authenticates any format; ?token= only Docker Hub's and Quay's, which is known
	// once the body is read.
	byHeader, byToken := credentials(r, h.secret)
	explicit := r.URL.Query().Get("format")
	if !byHeader && (!byToken || explicit != "" && !TokenFormat(explicit)) {
		answer(http.StatusUnauthorized, "unauthorized", 0, "missing or wrong registry webhook secret")
		return
	}
	if r.ContentLength > h.maxBody {
		answer(http.StatusRequestEntityTooLarge, "too_large", 0, fmt.Sprintf("body larger than %d bytes", h.maxBody))
		return
	}
	var buf bytes.Buffer
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			answer(http.StatusRequestEntityTooLarge, "too_large", 0, fmt.Sprintf("body larger than %d bytes", h.maxBody))
			return
		}
		answer(http.StatusBadRequest, "bad_request", 0, "read body: "+err.Error())
		return
	}
	body := buf.Bytes()
	detected, detectErr := Detect(explicit, r.Header.Get("Content-Type"), body)
	if !byHeader && (detectErr != nil || !TokenFormat(detected)) {
		answer(http.StatusUnauthorized, "unauthorized", 0, "missing or wrong registry webhook secret")
		return
	}
	if detectErr != nil {
		answer(http.StatusBadRequest, "bad_request", 0, detectErr.Error())
		return
	}
	format = detected
	evs, err := Parse(format, body)
	if err != nil {
		answer(http.StatusBadRequest, "bad_request", 0, err.Error())
		return
	}
	if len(evs) == 0 {
		answer(http.StatusOK, "ignored", 0, "no image pushed by tag")
		return
	}
	fresh := make([]Event, 0, len(evs))
	var reserved []string
	for _, e := range evs {
		if e.ID == "" {
			fresh = append(fresh, e)
			continue
		}
		if h.seen.Reserve(e.ID) {
			reserved = append(reserved, e.ID)
			fresh = append(fresh, e)
		}
	}
	duplicates = len(evs) - len(fresh)
	if len(fresh) == 0 {
		answer(http.StatusOK, "duplicate", 0, "events already taken")
		return
	}
	if err := h.dispatch(r.Context(), fresh); err != nil {
		for _, id := range reserved {
			h.seen.Release(id)
		}
		if errors.Is(err, ErrBusy) {
			answer(http.StatusServiceUnavailable, "busy", len(fresh), "cannot take the events now: "+err.Error())
			return
		}
		answer(http.StatusInternalServerError, "error", len(fresh), "events not taken: "+err.Error())
		return
	}
	answer(http.StatusAccepted, "accepted", len(fresh), fmt.Sprintf("accepted %d event(s)", len(fresh)))
}
