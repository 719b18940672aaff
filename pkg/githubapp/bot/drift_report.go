package bot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot/statuspage"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plancomment"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/repoconfig"
)

// DriftCheckPrefix names the drift check runs: gitops/drift/<target>.
const DriftCheckPrefix = "gitops/drift/"

// driftIssueBytes bounds the plan in a drift issue's body (GitHub takes 65,536
// characters; the rest is the issue's own text).
const driftIssueBytes = 60000

// driftReport reports the drift of the targets of one repository at one commit.
type driftReport struct {
	d       *DriftDetector
	gh      *github.Client
	repo    RepoRef
	repoURL string
	branch  string
	head    string
	cfg     *repoconfig.Config
	log     *slog.Logger
}

// report writes what the check of target t found (its plan pl, or err): the check
// run, the issue, the status page and the metrics. A cluster that did not answer is
// reported as such, never as drift, and logged once until its state changes.
func (r *driftReport) report(ctx context.Context, t repoconfig.Target, pl *plan.Plan, planErr error) error {
	now := time.Now()
	state, objects := driftStateOf(pl, planErr)
	key := r.repo.FullName() + "/" + t.Name
	log := r.log.With("target", t.Name, "cluster", t.Cluster, "head", short(r.head))
	if r.d.changed(key, state) {
		switch state {
		case statuspage.Drifted:
			log.Warn("drift detection: the cluster differs from the default branch", "objects", objects)
		case statuspage.Unreachable, statuspage.DriftCheckFailed:
			log.Warn("drift detection: the target could not be checked", "err", planErr)
		default:
			log.Info("drift detection: in sync")
		}
	}
	r.d.Metrics.target(r.repo.FullName(), t.Name, state, objects, now)
	var errs []error
	if err := r.checkRun(ctx, t, pl, planErr, state, objects); err != nil {
		errs = append(errs, err)
	}
	issueURL, err := r.issue(ctx, t, pl, state, objects)
	if err != nil {
		errs = append(errs, err)
	}
	if b := r.d.Board; b != nil {
		msg := ""
		if planErr != nil {
			msg = planErr.Error()
		}
		b.SetTarget(r.repo.Installation, r.repo.FullName(), t.Name, t.Cluster, t.Path)
		b.RecordDrift(r.repo.Installation, r.repo.FullName(), t.Name, statuspage.Drift{State: state, Objects: objects, Checked: now, Message: msg, IssueURL: issueURL})
	}
	return errors.Join(errs...)
}

// driftStateOf classifies a check: the objects that differ, are missing or would be
// pruned are drift; a cluster that did not answer, a failed plan or a plan with
// problems are not.
func driftStateOf(pl *plan.Plan, err error) (statuspage.DriftState, int) {
	var ue *unavailableError
	switch {
	case errors.As(err, &ue):
		return statuspage.Unreachable, 0
	case err != nil || len(pl.Problems) > 0:
		return statuspage.DriftCheckFailed, 0
	}
	c := pl.Counts()
	if n := c.Create + c.Update + c.Delete; n > 0 {
		return statuspage.Drifted, n
	}
	return statuspage.InSync, 0
}

// checkRun writes the gitops/drift/<target> check run on the head. The same result
// on the same head writes the same run again (its external id is its content's hash),
// so an unreachable cluster shows once per commit, not once per round.
func (r *driftReport) checkRun(ctx context.Context, t repoconfig.Target, pl *plan.Plan, planErr error, state statuspage.DriftState, objects int) error {
	chk := plancomment.NewCheck(t.Name, pl, planErr, plan.MarkdownOptions{Title: "Drift of " + t.Name, SourceURL: r.sourceURL, Repository: plancomment.Repository(r.repoURL)})
	run := githubapp.CheckRun{Name: DriftCheckPrefix + t.Name, HeadSHA: r.head, Status: githubapp.CheckCompleted, Summary: chk.Summary, Text: chk.Text}
	switch state {
	case statuspage.InSync:
		run.Conclusion, run.Title = githubapp.ConclusionSuccess, "in sync with the cluster"
	case statuspage.Drifted:
		run.Conclusion, run.Title = githubapp.ConclusionFailure, fmt.Sprintf("the cluster differs: %s", plural(objects, "object", "objects"))
		for _, n := range chk.Notes {
			run.Annotations = append(run.Annotations, githubapp.Annotation{Path: n.File, StartLine: n.Line, Level: n.Level, Title: n.Title, Message: n.Message})
		}
	case statuspage.Unreachable:
		run.Conclusion, run.Title = githubapp.ConclusionNeutral, "the cluster could not be reached"
	default:
		run.Conclusion, run.Title = githubapp.ConclusionFailure, "the drift check failed: "+chk.Title
	}
	sum := sha256.Sum256([]byte(run.Title + "\x00" + run.Summary + "\x00" + run.Text))
	run.ExternalID = "drift-" + hex.EncodeToString(sum[:8])
	_, _, err := githubapp.CreateCheckRun(ctx, r.gh, r.repo.Owner, r.repo.Name, run)
	return err
}

// issue opens, edits or closes the target's drift issue, unless .gitops.yaml turns
// issues off; it returns the open issue's address.
func (r *driftReport) issue(ctx context.Context, t repoconfig.Target, pl *plan.Plan, state statuspage.DriftState, objects int) (string, error) {
	if !r.cfg.Drift.IssuesOn() || (state != statuspage.Drifted && state != statuspage.InSync) {
		return "", nil
	}
	login, err := r.d.Planner.login(ctx)
	if err != nil {
		return "", err
	}
	ti := githubapp.NewTrackedIssue(r.gh, r.repo.Owner, r.repo.Name, "drift/"+t.Name, login)
	if state == statuspage.InSync {
		_, _, err := ti.Close(ctx, fmt.Sprintf("The drift is gone: the cluster matches `%s` at %s.", r.branch, r.commitLink()))
		return "", err
	}
	var body bytes.Buffer
	fmt.Fprintf(&body, "The cluster of target **%s** differs from `%s` at %s: %s. The bot applies nothing: "+
		"apply `%s` (with `--force-conflicts` where a change in the cluster, such as `kubectl edit`, took fields over), "+
		"or change it to what the cluster should be. This issue is edited while the drift lasts and closed when it is gone.\n\n",
		plan.MarkdownText(t.Name), plan.MarkdownText(r.branch), r.commitLink(), plural(objects, "object", "objects"), plan.MarkdownText(r.branch))
	if err := pl.WriteMarkdown(&body, plan.MarkdownOptions{MaxBytes: driftIssueBytes, Title: "Drift of " + t.Name, SourceURL: r.sourceURL,
		Repository: plancomment.Repository(r.repoURL)}); err != nil {
		return "", err
	}
	is, _, err := ti.Sync(ctx, githubapp.IssueContent{Title: "Drift: " + t.Name, Body: body.String(),
		Labels: r.cfg.Drift.Labels, Assignees: r.cfg.Drift.Assignees})
	if err != nil {
		return "", err
	}
	return is.GetHTMLURL(), nil
}

func (r *driftReport) sourceURL(s manifest.Source) string {
	return plancomment.BlobURL(r.repoURL, r.head, s.File, s.Line)
}

func (r *driftReport) commitLink() string {
	return fmt.Sprintf("[`%s`](%s/commit/%s)", short(r.head), r.repoURL, r.head)
}
