package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/notify"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/redact"
)

// EnvNotifySecret signs generic webhook notifications (HMAC-SHA256).
const EnvNotifySecret = "GITOPS_NOTIFY_SECRET"

// EnvNotify holds more --notify destinations, one per line. Webhook URLs are secrets (a
// Slack or Teams URL is its own credential), and a command line is readable by every
// user of the machine (ps); the environment is not. The GitHub Action passes them so.
const EnvNotify = "GITOPS_NOTIFY"

// NotifyOptions send the outcome of an apply to outgoing webhooks (pkg/notify).
type NotifyOptions struct {
	URLs    []string
	On      string // "always" or "failure"
	Timeout time.Duration
	// Redactor redacts the failures' texts (they may quote values).
	Redactor *redact.Redactor
	// Kind is what is reported: "apply" (when empty) or "plan".
	Kind string

	sinks  []notify.Sink
	target string
	runURL string
}

// AddFlags registers --notify and --notify-on.
func (o *NotifyOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringArrayVar(&o.URLs, "notify", nil, "send the result to this webhook (repeatable): slack+https://…, teams+https://…, or https://… for signed JSON ("+EnvNotifySecret+"); "+EnvNotify+" adds more, one per line, off the command line")
	fs.StringVar(&o.On, "notify-on", "always", "when to notify: always or failure")
	fs.DurationVar(&o.Timeout, "notify-timeout", notify.DefaultTimeout, "how long one notification may take")
}

// Complete parses the destinations; target names where the apply goes, runURL links
// to more (both may be empty).
func (o *NotifyOptions) Complete(target, runURL string) error {
	if o.On != "always" && o.On != "failure" {
		return fmt.Errorf("--notify-on %q: want always or failure", o.On)
	}
	secret := []byte(os.Getenv(EnvNotifySecret))
	var errs []error
	urls := append(append([]string(nil), o.URLs...), notifyFromEnv(os.Getenv(EnvNotify))...)
	for _, u := range urls {
		s, err := notify.ParseSink(u, secret)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		o.sinks = append(o.sinks, s)
	}
	o.target, o.runURL = target, runURL
	return errors.Join(errs...)
}

// Report notifies the outcome of an apply (or plan): its plan (nil when it failed
// before planning) and error. A failure to notify is logged, never returned: it must not
// fail an apply.
func (o *NotifyOptions) Report(ctx context.Context, p *plan.Plan, runErr error, log *slog.Logger) {
	if len(o.sinks) == 0 {
		return
	}
	if p == nil {
		p = &plan.Plan{}
	}
	kind := o.Kind
	if kind == "" {
		kind = "apply"
	}
	r := notify.ReportOf(kind, p, o.target, o.runURL)
	if runErr != nil {
		r.Succeeded = false
		r.Failures = append([]string{o.Redactor.String(runErr.Error())}, r.Failures...)
	}
	if r.Succeeded && o.On == "failure" {
		return
	}
	if err := notify.SendAll(ctx, o.sinks, r, o.Timeout); err != nil {
		log.Warn("notification failed (the apply is not affected)", "error", o.Redactor.String(err.Error()))
	}
}

// notifyFromEnv splits the value of EnvNotify: one destination per line, blank lines
// and surrounding spaces ignored.
func notifyFromEnv(v string) []string {
	var out []string
	for _, l := range strings.Split(v, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
