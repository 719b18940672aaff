package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/dedupe"
)

// DefaultMaxBody is the largest delivery accepted: GitHub caps payloads at
// 25 MB and drops larger ones itself.
const DefaultMaxBody = 25 << 20

// MaxHeader is the longest X-GitHub-Event and X-GitHub-Delivery accepted
// (an event name, a GUID); longer ones are answered 431 before anything else.
const MaxHeader = 100

// OtherEvent is the event a WithObserver is told for a delivery whose
// signature was not verified, or whose event the handler does not know.
const OtherEvent = "other"

// Event is a verified, parsed delivery.
type Event struct {
	// Delivery is the X-GitHub-Delivery id; Name the X-GitHub-Event, e.g. "pull_request".
	Delivery, Name string
	// Payload is the parsed event: go-github's type (e.g. *github.InstallationEvent), or
	// ours for pull_request, issue_comment, check_run and package events (events.go).
	Payload any
	// Installation is the App installation the event came through (0 for none).
	Installation int64
}

// ErrBusy is what a dispatcher returns when it cannot take an event now; the
// webhook then answers 503 so the delivery can be made again.
var ErrBusy = errors.New("busy")

// Handler serves POST /webhook: it bounds the X-GitHub-Event and
// X-GitHub-Delivery headers (431), checks the X-Hub-Signature-256 header's format
// before reading the body (401), bounds the body (413) while hashing it, checks the
// HMAC in constant time (401), parses the event (400),
// drops deliveries it has already taken (200), acknowledges events it has no use
// for (200), and hands the rest to dispatch (202, or 503 when dispatch is busy).
// A refused request changes nothing.
type Handler struct {
	secret   []byte
	dispatch func(context.Context, Event) error
	events   map[string]bool
	maxBody  int64
	seen     *dedupe.Set
	log      *slog.Logger
	observe  func(event, outcome string)
	macs     sync.Pool // of HMAC-SHA256 under secret
}

// Option configures a Handler.
type Option func(*Handler)

// WithEvents sets the events handed to dispatch; others are acknowledged and
// ignored. Default: every event go-github can parse.
func WithEvents(names ...string) Option {
	return func(h *Handler) {
		h.events = map[string]bool{}
		for _, n := range names {
			h.events[n] = true
		}
	}
}

// WithMaxBody bounds the body size (default DefaultMaxBody).
func WithMaxBody(n int64) Option { return func(h *Handler) { h.maxBody = n } }

// WithLogger logs each delivery's outcome to l.
func WithLogger(l *slog.Logger) Option { return func(h *Handler) { h.log = l } }

// WithObserver is told each delivery's event name and outcome (accepted,
// duplicate, ignored, busy, unauthorized, too_large, header_too_large, bad_request),
// e.g. for metrics. The name is OtherEvent unless the signature was verified and the
// handler knows the event (WithEvents, else Known): senders cannot make
// up names.
func WithObserver(f func(event, outcome string)) Option {
	return func(h *Handler) { h.observe = f }
}

// WithDeliveryMemory sets how many delivery ids are remembered, and for how long,
// to drop replays (default 10,000 for 24 hours).
func WithDeliveryMemory(n int, ttl time.Duration) Option {
	return func(h *Handler) { h.seen = dedupe.New(n, ttl) }
}

// NewHandler verifies deliveries with secret (which must not be empty) and
// passes them to dispatch, which must not block: it queues the work.
func NewHandler(secret []byte, dispatch func(context.Context, Event) error, opts ...Option) (*Handler, error) {
	if len(secret) == 0 {
		return nil, errors.New("webhook secret is empty: refusing to accept unsigned deliveries")
	}
	h := &Handler{secret: secret, dispatch: dispatch, maxBody: DefaultMaxBody,
		seen: dedupe.New(10000, 24*time.Hour), log: slog.Default()}
	for _, o := range opts {
		o(h)
	}
	h.macs.New = func() any { return hmac.New(sha256.New, h.secret) }
	return h, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := github.WebHookType(r)
	delivery := github.DeliveryID(r)
	verified := false
	answer := func(code int, outcome, msg string) {
		// Only a verified delivery of an event the handler knows names its event;
		// everything else counts under "other", so no sender can add a metric series.
		label := OtherEvent
		if verified && h.known(name) {
			label = name
		}
		if h.observe != nil {
			h.observe(label, outcome)
		}
		level := slog.LevelInfo
		if code >= 400 {
			level = slog.LevelWarn
		}
		h.log.Log(r.Context(), level, "webhook delivery", "event", clip(name), "delivery", clip(delivery),
			"status", code, "outcome", outcome, "detail", msg)
		http.Error(w, msg, code)
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		answer(http.StatusMethodNotAllowed, "bad_request", "POST only")
		return
	}
	if len(name) > MaxHeader || len(delivery) > MaxHeader {
		answer(http.StatusRequestHeaderFieldsTooLarge, "header_too_large",
			fmt.Sprintf("X-GitHub-Event or X-GitHub-Delivery longer than %d bytes", MaxHeader))
		return
	}
	// The signature's format is checked before a byte of the body is read.
	want, ok := parseSignature(r.Header.Get(github.SHA256SignatureHeader))
	if !ok {
		answer(http.StatusUnauthorized, "unauthorized", "missing or malformed "+github.SHA256SignatureHeader+" (want sha256= and 64 hex digits)")
		return
	}
	if r.ContentLength > h.maxBody {
		answer(http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body larger than %d bytes", h.maxBody))
		return
	}
	body, release, err := h.readSigned(w, r, want)
	if err != nil {
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			answer(http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body larger than %d bytes", h.maxBody))
		case errors.Is(err, errBadSignature):
			answer(http.StatusUnauthorized, "unauthorized", "signature does not match")
		default:
			answer(http.StatusBadRequest, "bad_request", "read body: "+err.Error())
		}
		return
	}
	defer release()
	verified = true
	if name == "" || delivery == "" {
		answer(http.StatusBadRequest, "bad_request", "missing X-GitHub-Event or X-GitHub-Delivery")
		return
	}
	payload, err := payloadOf(r.Header.Get("Content-Type"), body)
	if err != nil {
		answer(http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	if h.events != nil && !h.events[name] {
		answer(http.StatusOK, "ignored", "event not handled")
		return
	}
	parsed, err := parseEvent(name, payload)
	if errors.Is(err, errUnknownEvent) {
		answer(http.StatusOK, "ignored", "event not handled")
		return
	}
	if err != nil {
		answer(http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	if !h.seen.Reserve(delivery) {
		answer(http.StatusOK, "duplicate", "delivery already taken")
		return
	}
	ev := Event{Delivery: delivery, Name: name, Payload: parsed, Installation: installationOf(parsed, payload)}
	if err := h.dispatch(r.Context(), ev); err != nil {
		h.seen.Release(delivery)
		answer(http.StatusServiceUnavailable, "busy", "cannot take the event now: "+err.Error())
		return
	}
	answer(http.StatusAccepted, "accepted", "accepted")
}

// known says whether name is an event this handler may name in its observations:
// one it hands to dispatch, or (with no such list) one GitHub sends.
func (h *Handler) known(name string) bool {
	if h.events != nil {
		return h.events[name]
	}
	return Known(name)
}

var errBadSignature = errors.New("signature does not match")

// readSigned reads the body, at most maxBody bytes, hashing it as it comes in: the
// buffer grows with the bytes received (never with what Content-Length claims), and
// the body is returned only when its HMAC is want (compared in constant time). The
// body is in a pooled buffer: release gives it back, once nothing refers to the body
// any more (parsed events never do: encoding/json copies what it keeps).
func (h *Handler) readSigned(w http.ResponseWriter, r *http.Request, want []byte) (body []byte, release func(), err error) {
	mac := h.macs.Get().(hash.Hash)
	defer h.macs.Put(mac)
	mac.Reset()
	buf := bodyBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	release = func() {
		if buf.Cap() <= maxPooledBody {
			bodyBuffers.Put(buf)
		}
	}
	if r.ContentLength > 0 {
		buf.Grow(int(min(r.ContentLength, initialBodyBuffer)) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(io.TeeReader(http.MaxBytesReader(w, r.Body, h.maxBody), mac)); err != nil {
		release()
		return nil, nil, fmt.Errorf("read webhook body: %w", err)
	}
	var sum [sha256.Size]byte
	if !hmac.Equal(mac.Sum(sum[:0]), want) {
		release()
		return nil, nil, errBadSignature
	}
	return buf.Bytes(), release, nil
}

// bodyBuffers are the buffers of bodies being read: a burst of deliveries reuses
// them rather than allocating (and zeroing) ~25 KiB each.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody is the largest buffer given back to bodyBuffers: a rare large
// delivery's is left to the garbage collector.
const maxPooledBody = 1 << 20

// initialBodyBuffer is the most a body's buffer takes before its bytes arrive.
const initialBodyBuffer = 64 << 10

// parseSignature is the MAC of an X-Hub-Signature-256 value: "sha256=" and 64 hex
// digits, nothing else.
func parseSignature(v string) ([]byte, bool) {
	hexMAC, ok := strings.CutPrefix(v, "sha256=")
	if !ok || len(hexMAC) != 2*sha256.Size {
		return nil, false
	}
	mac, err := hex.DecodeString(hexMAC)
	if err != nil {
		return nil, false
	}
	return mac, true
}

// clip bounds a header value for the logs.
func clip(s string) string {
	if len(s) > MaxHeader {
		return s[:MaxHeader] + "…"
	}
	return s
}

// Known says whether GitHub sends an event of that name (go-github's list, and
// registry_package): the only event names that may become a metric label.
func Known(name string) bool {
	return name == "registry_package" || github.EventForType(name) != nil
}

// payloadOf is the JSON payload of a body sent as JSON (the body itself, not copied)
// or as a form.
func payloadOf(contentType string, body []byte) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, fmt.Errorf("bad Content-Type %q", contentType)
	}
	if mt == "application/json" {
		return body, nil
	}
	// The signature is checked already: an empty secret makes this parse only.
	return github.ValidatePayloadFromBody(mt, bytes.NewReader(body), "", nil)
}

var errUnknownEvent = errors.New("unknown event")

// parseGitHubEvent parses a payload with go-github; errUnknownEvent for an event it
// does not know.
func parseGitHubEvent(name string, payload []byte) (any, error) {
	if github.EventForType(name) == nil {
		return nil, errUnknownEvent
	}
	parsed, err := github.ParseWebHook(name, payload)
	if err != nil {
		return nil, fmt.Errorf("parse %s payload: %w", name, err)
	}
	return parsed, nil
}

// installationOf is the event's installation id, 0 when absent: from the parsed
// event when its type has one (no second parse), else read from the payload.
func installationOf(parsed any, payload []byte) int64 {
	switch e := parsed.(type) {
	case interface{ GetInstallation() *github.Installation }:
		return e.GetInstallation().GetID()
	case interface{ InstallationID() int64 }:
		return e.InstallationID()
	}
	var v struct {
		Installation struct {
			ID int64 `json:"id"`
		} `json:"installation"`
	}
	_ = json.Unmarshal(payload, &v)
	return v.Installation.ID
}
