package cmdutil

import (
	"context"
	"log/slog"
	"net/http"
	"os"

	"github.com/spf13/pflag"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/redact"
)

// StatusOptions post the outcome as a GitHub commit status.
type StatusOptions struct {
	Enabled   bool
	Repo      string
	SHA       string
	Context   string
	APIURL    string
	TargetURL string
	Redactor  *redact.Redactor // redacts the descriptions

	reporter *githubapp.StatusReporter
}

// AddFlags registers the commit status flags; defaultContext is gitops/plan or gitops/apply.
func (o *StatusOptions) AddFlags(fs *pflag.FlagSet, defaultContext string) {
	fs.BoolVar(&o.Enabled, "github-status", false, "post a GitHub commit status (token from GITHUB_TOKEN)")
	fs.StringVar(&o.Repo, "github-repo", "", "owner/name for the commit status (default: $GITHUB_REPOSITORY)")
	fs.StringVar(&o.SHA, "github-sha", "", "commit for the status (default: the applied revision, else $GITHUB_SHA)")
	fs.StringVar(&o.Context, "github-status-context", defaultContext, "commit status context")
	fs.StringVar(&o.APIURL, "github-api-url", "", "GitHub API URL (default: $GITHUB_API_URL or api.github.com)")
	fs.StringVar(&o.TargetURL, "github-target-url", "", "link shown with the status (default: the Actions run, when known)")
}

// Complete prepares the reporter; revision is the source's commit.
func (o *StatusOptions) Complete(revision string, log *slog.Logger) error {
	if !o.Enabled {
		return nil
	}
	t := githubapp.StatusTarget{SHA: o.SHA}
	if t.SHA == "" {
		t.SHA = revision
	}
	if o.Repo != "" {
		owner, repo, err := githubapp.ParseRepo(o.Repo)
		if err != nil {
			return err
		}
		t.Owner, t.Repo = owner, repo
	}
	t, err := githubapp.TargetFromEnv(t, os.Getenv)
	if err != nil {
		return err
	}
	api := o.APIURL
	if api == "" {
		api = os.Getenv("GITHUB_API_URL")
	}
	client, err := githubapp.NewClient(http.DefaultClient, os.Getenv("GITHUB_TOKEN"), api)
	if err != nil {
		return err
	}
	target := o.TargetURL
	if target == "" {
		target = githubapp.RunURLFromEnv(os.Getenv)
	}
	var opts []githubapp.StatusOption
	if target != "" {
		opts = append(opts, githubapp.WithTargetURL(target))
	}
	opts = append(opts, githubapp.WithStatusLogger(log))
	o.reporter = githubapp.NewStatusReporter(client, t, o.Context, opts...)
	return nil
}

// Pending posts "pending"; errors are logged, never fatal to the apply.
func (o *StatusOptions) Pending(ctx context.Context, desc string, log *slog.Logger) {
	if o.reporter != nil {
		if err := o.reporter.Pending(ctx, desc); err != nil {
			log.Warn("commit status", "err", err)
		}
	}
}

// Report posts success or failure for p (failure when it has problems or failed objects).
func (o *StatusOptions) Report(ctx context.Context, p *plan.Plan, runErr error, log *slog.Logger) {
	if o.reporter == nil {
		return
	}
	var err error
	switch {
	case p == nil:
		err = o.reporter.Error(ctx, o.Redactor.String(runErr.Error()))
	case len(p.Problems) > 0:
		err = o.reporter.Failure(ctx, o.Redactor.String(p.Problems[0].String()))
	default:
		c := p.Counts()
		desc := githubapp.DescribeCounts(c.Create, c.Update, c.Delete, c.Unchanged, c.Failed)
		if c.Failed > 0 || runErr != nil {
			err = o.reporter.Failure(ctx, desc)
		} else {
			err = o.reporter.Success(ctx, desc)
		}
	}
	if err != nil {
		log.Warn("commit status", "err", err)
	}
}
