package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/go-github/v60/github"
)

// reportTimeout is how long the report of a plan that ran out of time may take: the
// job's own context has ended by then.
const reportTimeout = 30 * time.Second

// planOrReportTimeout plans j; when the job's deadline (--job-timeout) ends the plan,
// the pull request is told so (the gitops/plan status and the sticky comment), rather
// than left with a pending status and no word.
func (p *Planner) planOrReportTimeout(ctx context.Context, j prJob) error {
	err := p.Plan(ctx, j)
	if err == nil || !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return err
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reportTimeout)
	defer cancel()
	if rerr := p.reportTimeout(rctx, j, JobTimeout(ctx)); rerr != nil {
		return errors.Join(err, fmt.Errorf("report the timeout on %s: %w", j.key(), rerr))
	}
	return err
}

// timeoutMessage says that the plan ran out of time, naming the limit and its flag.
func timeoutMessage(limit time.Duration) (status, comment string) {
	lim := "its limit"
	if limit > 0 {
		lim = "its limit of " + limit.String()
	}
	status = fmt.Sprintf("plan stopped: it took longer than %s (--job-timeout)", lim)
	comment = fmt.Sprintf("The plan was stopped: it took longer than %s per job, which the bot's operator sets "+
		"with `--job-timeout` (`GITOPS_BOT_JOB_TIMEOUT`). Rendering this pull request's manifests (Kustomize above all) "+
		"or fetching its repository is too slow; make the render smaller, or ask the operator for a longer limit.", lim)
	return status, comment
}

// reportTimeout posts the error status and the sticky comment of a plan that ran
// out of time, on the pull request's current head.
func (p *Planner) reportTimeout(ctx context.Context, j prJob, limit time.Duration) error {
	log := p.log().With("pr", j.key(), "trigger", j.trigger)
	gh := p.App.Installation(j.inst)
	pr, err := openPullRequest(ctx, gh, j)
	if pr == nil || err != nil {
		return err
	}
	head := pr.GetHead().GetSHA()
	desc, text := timeoutMessage(limit)
	log.Warn("the plan ran out of time", "head", head, "limit", limit)
	// The comment first, the status last: the status says the pull request's plan
	// is done, as Plan's does.
	cerr := p.timeoutComment(ctx, gh, j, pr, head, text)
	return errors.Join(cerr, planStatus(gh, j, head, log).Error(ctx, desc))
}

// timeoutComment puts text in the sticky comment, unless the repository turned
// comments off.
func (p *Planner) timeoutComment(ctx context.Context, gh *github.Client, j prJob, pr *github.PullRequest, head, text string) error {
	cfg, err := p.repoConfig(ctx, gh, j, pr.GetBase().GetRepo().GetDefaultBranch())
	if err == nil && cfg.Comments.Disabled {
		return nil
	}
	login, err := p.login(ctx)
	if err != nil {
		return err
	}
	comment := p.planComment("", head)
	comment.Add("plan", "", nil, errors.New(text))
	_, err = stickyComment(gh, j, login, p.log().With("pr", j.key())).Sync(ctx, head, comment.Pages(0))
	return err
}
