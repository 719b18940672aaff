package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plancomment"
)

// checkPrefix starts the name of every check run of the bot: "gitops/plan/<target>",
// one per target, beside the gitops/plan commit status of the whole pull request.
const checkPrefix = githubapp.PlanStatusContext + "/"

// checkName is the check run of target name.
func checkName(target string) string { return checkPrefix + target }

// isPlanCheck reports whether a check run's name is one of the bot's.
func isPlanCheck(name string) bool {
	return strings.HasPrefix(name, checkPrefix) && len(name) > len(checkPrefix)
}

// targetPlan is one target's outcome, what its check run shows: its plan, or the
// error that stopped it.
type targetPlan struct {
	name, title string
	plan        *plan.Plan
	err         error
}

// unavailableError marks a target whose plan could not be made for a reason outside
// the pull request (its cluster cannot be reached, the base cannot be cloned): its
// check run is neutral, not failed.
type unavailableError struct{ err error }

func (e *unavailableError) Error() string { return e.err.Error() }
func (e *unavailableError) Unwrap() error { return e.err }

// unavailable wraps err (nil stays nil) as an unavailableError.
func unavailable(err error) error {
	if err == nil {
		return nil
	}
	return &unavailableError{err: err}
}

// writeChecks makes each target's check run on the pull request's head show its
// plan; details links them to the plan comment ("" for none), root is the head's
// checkout. rerun is the check run a user asked to re-run (0 for none): a new run is
// made then even when the plan did not change.
//
// A failure is logged and counted, never returned: the comment and the status are
// the plan's primary output.
func (p *Planner) writeChecks(ctx context.Context, gh *github.Client, j prJob, pr *github.PullRequest, root, details string, targets []targetPlan, log *slog.Logger) {
	if len(targets) == 0 {
		return
	}
	head := pr.GetHead().GetSHA()
	existing, err := githubapp.ListCheckRunsForRef(ctx, gh, j.owner, j.repo, head, "")
	if err != nil {
		p.checkFailed(log, "", err)
		return
	}
	for _, t := range targets {
		run := p.checkRun(pr, root, details, t)
		ext, write := externalID(j.number, run, p.ours(existing, run.Name), j.rerun)
		if !write {
			log.Debug("the check run shows this plan already", "check", run.Name)
			continue
		}
		run.ExternalID = ext
		if _, _, err := githubapp.CreateCheckRun(ctx, gh, j.owner, j.repo, run); err != nil {
			p.checkFailed(log, run.Name, err)
		}
	}
}

// checkFailed logs and counts a check run that could not be written.
func (p *Planner) checkFailed(log *slog.Logger, name string, err error) {
	log.Warn("the plan's check run could not be written (the comment and the status are)", "check", name, "error", err)
	p.Metrics.checkRunFailed()
}

// checkRun is target t's check run: the counts as its title, the plan without its
// diffs as its summary, the diffs as its text, and an annotation per problem
// (failure) and per object that changes (notice) at its file:line.
func (p *Planner) checkRun(pr *github.PullRequest, root, details string, t targetPlan) githubapp.CheckRun {
	head := pr.GetHead().GetSHA()
	repoURL := pr.GetHead().GetRepo().GetHTMLURL()
	c := plancomment.NewCheck(t.name, t.plan, t.err, plan.MarkdownOptions{Title: t.title, Repository: plancomment.Repository(repoURL),
		SourceURL: func(s manifest.Source) string { return plancomment.BlobURL(repoURL, head, s.File, s.Line) }})
	run := githubapp.CheckRun{Name: checkName(t.name), HeadSHA: head, DetailsURL: details, Root: root,
		Title: c.Title, Summary: c.Summary, Text: c.Text, Conclusion: githubapp.ConclusionSuccess}
	var ue *unavailableError
	switch {
	case errors.As(t.err, &ue):
		run.Conclusion = githubapp.ConclusionNeutral
		run.Title = "could not be planned: " + unavailableReason
	case c.Failed:
		run.Conclusion = githubapp.ConclusionFailure
	}
	for _, n := range c.Notes {
		run.Annotations = append(run.Annotations, githubapp.Annotation{Path: n.File, StartLine: n.Line,
			Level: n.Level, Title: n.Title, Message: n.Message})
	}
	return run
}

// unavailableReason titles a neutral check run.
const unavailableReason = "the cluster or the repository could not be reached"

// ours are the runs of existing named name that this App made.
func (p *Planner) ours(existing []*github.CheckRun, name string) []*github.CheckRun {
	var out []*github.CheckRun
	for _, r := range existing {
		if r.GetName() == name && (p.App == nil || r.GetApp().GetID() == p.App.ID()) {
			out = append(out, r)
		}
	}
	return out
}

// externalID is the external id to create run with, and whether to write it at all,
// given the runs of its name on the commit (runs). The id is "pr<number>-<hash of
// the content>" (the number lets a re-run of a fork's pull request, whose check runs
// list no pull request, find it), followed by ".<id of the newest run>" when there is
// one: a new content, or a content shown before but not by the newest run, is a new
// run that GitHub shows. A newest run showing this content already, with all its
// annotations, is left alone (a replay, another replica), unless rerun asks for a
// new run and none was made since; one missing annotations (a write cut short) is
// completed.
func externalID(number int, run githubapp.CheckRun, runs []*github.CheckRun, rerun int64) (string, bool) {
	content := run
	content.Root = ""
	b, _ := json.Marshal(content)
	sum := sha256.Sum256(b)
	base := fmt.Sprintf("pr%d-%s", number, hex.EncodeToString(sum[:8]))
	var newest *github.CheckRun
	for _, r := range runs {
		if newest == nil || r.GetID() > newest.GetID() {
			newest = r
		}
	}
	if newest == nil {
		return base, true
	}
	if strings.HasPrefix(newest.GetExternalID(), base) && (rerun == 0 || newest.GetID() > rerun) {
		if newest.GetOutput().GetAnnotationsCount() < len(run.Annotations) {
			return newest.GetExternalID(), true
		}
		return "", false
	}
	return base + "." + strconv.FormatInt(newest.GetID(), 10), true
}

// prNumberOfExternalID is the pull request number an external id of the bot's
// names (0 for none).
func prNumberOfExternalID(ext string) int {
	s, ok := strings.CutPrefix(ext, "pr")
	if !ok {
		return 0
	}
	s, _, _ = strings.Cut(s, "-")
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0
	}
	return n
}
