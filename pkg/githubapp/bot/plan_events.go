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
	commentBy   string // its author
}

func (j prJob) key() string { return fmt.Sprintf("%s/%s#%d", j.owner, j.repo, j.number) }

// addRoutes registers the routes of pull request events and /gitops plan comments
// in rs.
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
				commentBy: e.Comment.User.Login}
			return p.job(j), true
		},
	})
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

// mayPlan checks that the author of a /gitops plan comment may write to the
// repository; others get a thumbs-down reaction and no plan.
func (p *Planner) mayPlan(ctx context.Context, gh *github.Client, j prJob) (bool, error) {
	perm, err := githubapp.GetPermissionLevel(ctx, gh, j.owner, j.repo, j.commentBy)
	if err != nil {
		return false, err
	}
	allowed := perm == "admin" || perm == "write"
	reaction := "eyes"
	if !allowed {
		reaction = "-1"
		p.log().Info("/gitops plan from a user without write access: ignored", "pr", j.key(), "user", j.commentBy, "permission", perm)
	}
	if err := githubapp.AddCommentReaction(ctx, gh, j.owner, j.repo, j.commentID, reaction); err != nil {
		p.log().Warn("could not react to the comment", "pr", j.key(), "error", err)
	}
	return allowed, nil
}
