package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/netguard"
)

// Format is how a notification is written.
type Format string

const (
	Generic Format = "generic" // the Report as JSON, signed when a secret is set
	Slack   Format = "slack"   // a Slack incoming webhook message
	Teams   Format = "teams"   // a Microsoft Teams (Workflows) adaptive card
)

// SignatureHeader carries the generic webhook's "sha256=<hex HMAC of the body>".
const SignatureHeader = "X-Gitops-Signature-256"

// Sink is one destination.
type Sink struct {
	Format Format
	URL    string
	// Secret signs generic notifications (HMAC-SHA256 of the body); never logged.
	Secret []byte
}

// ParseSink reads a destination: "slack+https://hooks.slack.com/...",
// "teams+https://...", "generic+https://..." or a plain "https://..." (generic).
// A plain http:// URL is accepted only for loopback hosts.
func ParseSink(spec string, secret []byte) (Sink, error) {
	format, rawURL := Generic, spec
	if f, rest, ok := strings.Cut(spec, "+"); ok && !strings.Contains(f, "/") && !strings.Contains(f, ":") {
		format, rawURL = Format(f), rest
	}
	switch format {
	case Generic, Slack, Teams:
	default:
		return Sink{}, fmt.Errorf("notify %s: unknown format %q (want slack+, teams+, generic+ or a plain URL)", redactURL(rawURL), format)
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return Sink{}, fmt.Errorf("notify %s: want an absolute https URL", redactURL(rawURL))
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return Sink{}, fmt.Errorf("notify %s: plain http only for localhost; use https", redactURL(rawURL))
	}
	return Sink{Format: format, URL: rawURL, Secret: secret}, nil
}

// String names the sink without the URL's path or query, which often hold a token
// (Slack and Teams webhook URLs are secrets themselves).
func (s Sink) String() string { return string(s.Format) + " webhook " + redactURL(s.URL) }

func isLoopback(host string) bool {
	return host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1"
}

// redactURL keeps the scheme and host of a URL.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(invalid URL)"
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// body is the request body of r for the sink's format.
func (s Sink) body(r Report) ([]byte, error) {
	switch s.Format {
	case Slack:
		return json.Marshal(slackMessage(r))
	case Teams:
		return json.Marshal(teamsMessage(r))
	}
	return json.Marshal(r)
}

// Send posts r to the sink, once, within ctx.
func (s Sink) Send(ctx context.Context, c *http.Client, r Report) error {
	body, err := s.body(r)
	if err != nil {
		return fmt.Errorf("notify %s: %w", s, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("notify %s: %w", s, errors.New("bad request"))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "kubectl-gitops")
	if len(s.Secret) > 0 {
		m := hmac.New(sha256.New, s.Secret)
		m.Write(body)
		req.Header.Set(SignatureHeader, "sha256="+hex.EncodeToString(m.Sum(nil)))
	}
	resp, err := c.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL may hold a token
		}
		return fmt.Errorf("notify %s: %w", s, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("notify %s: answered %s", s, resp.Status)
	}
	return nil
}

// DefaultTimeout is how long one notification may take by default: the plugin's
// --notify-timeout, and the bot's.
const DefaultTimeout = 10 * time.Second

// SendAll posts r to every sink in parallel, each bounded by timeout, and returns
// the failures joined (to log: a failed notification never fails an apply).
func SendAll(ctx context.Context, sinks []Sink, r Report, timeout time.Duration) error {
	if len(sinks) == 0 {
		return nil
	}
	c := &http.Client{Transport: netguard.Transport(), Timeout: timeout}
	errs := make([]error, len(sinks))
	done := make(chan struct{})
	for i, s := range sinks {
		go func() {
			defer func() { done <- struct{}{} }()
			errs[i] = s.Send(ctx, c, r)
		}()
	}
	for range sinks {
		<-done
	}
	return errors.Join(errs...)
}
