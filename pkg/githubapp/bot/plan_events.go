package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/webhook"
)

// prJob is what a pull request job needs from its event.
type prJob struct {
	inst        int64
	owner, repo string
	number      int
	trigger     string
	commentID   int64  // for /gitops plan: the comment to react to
	rerun       int64  // for a check run's re-run: that check run
	askedBy     string // who asked: the comment's author, or the user who asked for the re-run
}

func (j prJob) key() string { return fmt.Sprintf("%s/%s#%d", j.owner, j.repo, j.number) }

// addRoutes registers the routes of pull request events, /gitops plan comments and
// re-runs of the bot's check runs in rs.
func (p *Planner) addRoutes(rs Routes) error {
	return rs.addAll(Routes{
		"pull_request": func(ev webhook.Event) (Job, bool) {
			e, ok := ev.Payload.(*webhook.PullRequestEvent)
			if !ok {
				return Job{}, false
			}
			switch e.Action {
			case "opened", "synchronize", "reopened", "ready_for_review", "edited":
			default:
				return Job{}, false
			}
			if e.Action == "edited" && (e.Changes == nil || e.Changes.Base == nil) {
				return Job{}, false // only a new base changes the plan
			}
			j := prJob{inst: ev.Installation, owner: e.Repository.Owner.Login, repo: e.Repository.Name,
				number: e.Number, trigger: "pull_request " + e.Action}
			return p.job(j), true
		},
		"issue_comment": func(ev webhook.Event) (Job, bool) {
			e, ok := ev.Payload.(*webhook.IssueCommentEvent)
			if !ok || e.Action != "created" || e.Issue.PullRequest == nil {
				return Job{}, false
			}
			if !isPlanCommand(e.Comment.Body) || e.Comment.User.Type == "Bot" {
				return Job{}, false
			}
			j := prJob{inst: ev.Installation, owner: e.Repository.Owner.Login, repo: e.Repository.Name,
				number: e.Issue.Number, trigger: "/gitops plan", commentID: e.Comment.ID,
				askedBy: e.Comment.User.Login}
			return p.job(j), true
		},
		"check_run": p.checkRunRoute,
	})
}

// checkRunRoute re-plans the pull request of a check run of the bot's (this App's,
// named gitops/plan/<target>) that a user asked to re-run; mayPlan checks the user
// may. The pull request is the one the event lists for the run's commit, or the one
// the run's external id names (a fork's pull request is not listed).
func (p *Planner) checkRunRoute(ev webhook.Event) (Job, bool) {
	e, ok := ev.Payload.(*webhook.CheckRunEvent)
	if !ok || e.Action != "rerequested" {
		return Job{}, false
	}
	run := e.CheckRun
	if !isPlanCheck(run.Name) || p.App == nil || run.App.ID != p.App.ID() {
		return Job{}, false
	}
	number := 0
	for _, pr := range run.PullRequests {
		if pr.Head.SHA == run.HeadSHA || number == 0 {
			number = pr.Number
		}
	}
	if number == 0 {
		number = prNumberOfExternalID(run.ExternalID)
	}
	if number == 0 || e.Sender.Login == "" {
		return Job{}, false
	}
	j := prJob{inst: ev.Installation, owner: e.Repository.Owner.Login, repo: e.Repository.Name,
		number: number, trigger: "re-run of " + run.Name, rerun: run.ID, askedBy: e.Sender.Login}
	return p.job(j), true
}

// isPlanCommand reports whether a comment asks for a plan: a line "/gitops plan".
func isPlanCommand(body string) bool {
	for _, line := range strings.Split(body, "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "/gitops" && f[1] == "plan" {
			return true
		}
	}
	return false
}

func (p *Planner) job(j prJob) Job {
	return Job{Key: j.key(), Kind: "pull_request", Installation: j.inst, Run: func(ctx context.Context) error { return p.planOrReportTimeout(ctx, j) }}
}

// mayPlan checks that the user who asked for the plan (the author of a /gitops plan
// comment, or who re-ran a check run) may write to the repository; others get no
// plan, and on a comment a thumbs-down reaction.
func (p *Planner) mayPlan(ctx context.Context, gh *github.Client, j prJob) (bool, error) {
	perm, err := githubapp.GetPermissionLevel(ctx, gh, j.owner, j.repo, j.askedBy)
	if err != nil {
		return false, err
	}
	allowed := perm == "admin" || perm == "write"
	reaction := "eyes"
	if !allowed {
		reaction = "-1"
		p.log().Info(j.trigger+" from a user without write access: ignored", "pr", j.key(), "user", j.askedBy, "permission", perm)
	}
	if j.commentID == 0 {
		return allowed, nil
	}
	if err := githubapp.AddCommentReaction(ctx, gh, j.owner, j.repo, j.commentID, reaction); err != nil {
		p.log().Warn("could not react to the comment", "pr", j.key(), "error", err)
	}
	return allowed, nil
}
