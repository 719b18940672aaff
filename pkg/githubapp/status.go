package githubapp

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/go-github/v60/github"
)

// Status contexts kubectl-gitops posts: the label GitHub shows beside a commit.
const (
	ApplyStatusContext = "gitops/apply"
	PlanStatusContext  = "gitops/plan"
)

// Commit status states, as GitHub names them.
const (
	statePending = "pending"
	stateSuccess = "success"
	stateFailure = "failure"
	stateError   = "error"
)

// StatusReporter posts commit statuses for one commit and one status context.
// It is safe for concurrent use.
type StatusReporter struct {
	client    *github.Client
	target    StatusTarget
	context   string
	targetURL string
	retry     retryPolicy
}

// StatusOption configures a StatusReporter.
type StatusOption func(*StatusReporter)

// WithTargetURL links the status to u, e.g. the Actions run (see actionsenv.RunURL).
func WithTargetURL(u string) StatusOption {
	return func(r *StatusReporter) { r.targetURL = u }
}

// WithStatusRetry sets how often a transiently failing post is tried in all
// (attempts, at least 1; default 3) and the wait before the first retry, doubled
// after each (default 1s).
func WithStatusRetry(attempts int, backoff time.Duration) StatusOption {
	return func(r *StatusReporter) {
		r.retry.attempts = max(attempts, 1)
		r.retry.backoff = max(backoff, 0)
	}
}

// WithStatusLogger logs retries and posted statuses to l (default slog.Default()).
func WithStatusLogger(l *slog.Logger) StatusOption {
	return func(r *StatusReporter) { r.retry.log = l }
}

// NewStatusReporter returns a reporter posting statuses named context
// ("" means ApplyStatusContext, "gitops/apply") to the commit t.
// The target is checked when a status is posted.
func NewStatusReporter(c *github.Client, t StatusTarget, context string, opts ...StatusOption) *StatusReporter {
	if context == "" {
		context = ApplyStatusContext
	}
	r := &StatusReporter{
		client:  c,
		target:  t,
		context: context,
		retry:   defaultRetry(),
	}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Pending marks the commit as in progress.
func (r *StatusReporter) Pending(ctx context.Context, description string) error {
	return r.post(ctx, statePending, description)
}

// Success marks the commit as done without problems.
func (r *StatusReporter) Success(ctx context.Context, description string) error {
	return r.post(ctx, stateSuccess, description)
}

// Failure marks the commit as failed because of what it contains
// (invalid manifests, objects the cluster refused).
func (r *StatusReporter) Failure(ctx context.Context, description string) error {
	return r.post(ctx, stateFailure, description)
}

// Error marks the commit as not processed because of a problem outside it
// (cluster unreachable, credentials, a crash).
func (r *StatusReporter) Error(ctx context.Context, description string) error {
	return r.post(ctx, stateError, description)
}

// post creates one status. The description is shortened to GitHub's limit.
// Transient failures are retried; errors name the context, repository and commit.
func (r *StatusReporter) post(ctx context.Context, state, description string) error {
	what := fmt.Sprintf("post status %s for %s", r.context, r.target)
	if r.client == nil {
		return fmt.Errorf("%s: no GitHub client", what)
	}
	if err := r.target.Validate(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	status := &github.RepoStatus{State: github.String(state), Context: github.String(r.context)}
	if d := shortDescription(description); d != "" {
		status.Description = github.String(d)
	}
	if r.targetURL != "" {
		status.TargetURL = github.String(r.targetURL)
	}
	err := r.retry.call(ctx, what, r.hints(), func(ctx context.Context) error {
		_, _, err := r.client.Repositories.CreateStatus(ctx, r.target.Owner, r.target.Repo, r.target.SHA, status)
		return err
	})
	if err != nil {
		return err
	}
	if r.retry.log != nil {
		r.retry.log.DebugContext(ctx, "posted commit status", "context", r.context,
			"target", r.target.String(), "state", state)
	}
	return nil
}

// hints explains the answers GitHub gives a status post that will not succeed on retry.
func (r *StatusReporter) hints() map[int]string {
	repo := r.target.Owner + "/" + r.target.Repo
	return map[int]string{
		http.StatusUnauthorized: "the token is missing, invalid or expired",
		http.StatusForbidden: "the token may not write commit statuses to " + repo +
			": a GitHub App or the Actions GITHUB_TOKEN needs the statuses: write permission, a classic token the repo:status scope",
		http.StatusNotFound: "repository " + repo + " not found, or the token cannot see it",
		http.StatusUnprocessableEntity: "commit " + r.target.SHA + " may not exist in " + repo +
			", or it already has the 1000 statuses GitHub allows per commit and context",
	}
}
