package cmdutil

import (
	"context"
	"log/slog"
	"os"

	"github.com/spf13/pflag"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/actionsenv"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plancomment"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/redact"
)

// StatusOptions post the outcome as a GitHub commit status.
type StatusOptions struct {
	GitHubOptions
	Enabled  bool
	SHA      string
	Context  string
	Redactor *redact.Redactor // redacts the descriptions
	// Planned describes an unexecuted plan, as the bot does ("1 to create, …"), rather
	// than an apply's result ("1 created, …").
	Planned bool

	reporter *githubapp.StatusReporter
}

// AddFlags registers the commit status flags; defaultContext is gitops/plan or gitops/apply.
func (o *StatusOptions) AddFlags(fs *pflag.FlagSet, defaultContext string) {
	fs.BoolVar(&o.Enabled, "github-status", false, "post a GitHub commit status (token from GITHUB_TOKEN)")
	fs.StringVar(&o.SHA, "github-sha", "", "commit for the status (default: the pull request's head in a pull_request workflow, else the source's revision, else $GITHUB_SHA)")
	fs.StringVar(&o.Context, "github-status-context", defaultContext, "commit status context")
	o.GitHubOptions.AddFlags(fs)
}

// Complete prepares the reporter; revision is the source's commit.
func (o *StatusOptions) Complete(revision string, log *slog.Logger) error {
	if !o.Enabled {
		return nil
	}
	t := githubapp.StatusTarget{SHA: o.SHA}
	if t.SHA == "" {
		// A pull_request workflow checks out a merge commit the pull request never shows.
		pr, ok, err := actionsenv.ReadPullRequest(os.Getenv)
		if err != nil {
			return err
		}
		t.SHA = revision
		if ok {
			t.SHA = pr.HeadSHA
		}
	}
	if o.Repo != "" {
		owner, repo, err := githubapp.ParseRepo(o.Repo)
		if err != nil {
			return err
		}
		t.Owner, t.Repo = owner, repo
	}
	t, err := actionsenv.StatusTarget(t, os.Getenv)
	if err != nil {
		return err
	}
	client, err := o.Client()
	if err != nil {
		return err
	}
	target := o.RunURL()
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
	case o.Planned:
		err = o.reporter.Success(ctx, plancomment.PlainSummary(p.SummaryMarkdown()))
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
