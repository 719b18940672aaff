package bot

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
)

// ReplanStale queues a plan for every open pull request, in every repository of
// every installation, whose plan comment is missing or was made for an older head:
// what a restart (or a lost delivery) left undone. It returns how many it queued.
// The bot passes Server.PushBackground as push: re-plans run only when no webhook's
// job waits, so a restart never delays a pull request event. Their kind is "replan".
func (p *Planner) ReplanStale(ctx context.Context, push func(Job) error) (int, error) {
	repos, err := ListInstalledRepos(ctx, p.App)
	if err != nil {
		p.log().Warn("re-plan: some repositories could not be listed", "error", err)
	}
	if len(repos) == 0 {
		return 0, err
	}
	login, err := p.login(ctx)
	if err != nil {
		return 0, err
	}
	queued := 0
	for _, r := range repos {
		n, err := p.replanRepo(ctx, r, login, push)
		queued += n
		if err != nil {
			p.log().Warn("re-plan of a repository failed", "installation", r.Installation, "repository", r.FullName(), "error", err)
		}
	}
	return queued, nil
}

func (p *Planner) replanRepo(ctx context.Context, r RepoRef, login string, push func(Job) error) (int, error) {
	gh := p.App.Installation(r.Installation)
	queued := 0
	err := githubapp.EachPullRequest(ctx, gh, r.Owner, r.Name, func(pr *github.PullRequest) error {
		ex, _, err := githubapp.NewStickyComment(gh, r.Owner, r.Name, pr.GetNumber(), commentKey, githubapp.WithCommentAuthor(login)).Find(ctx)
		if err != nil {
			return err
		}
		if ex.Head == pr.GetHead().GetSHA() {
			return nil
		}
		j := prJob{inst: r.Installation, owner: r.Owner, repo: r.Name, number: pr.GetNumber(), trigger: "re-plan at start"}
		job := p.job(j)
		job.Kind = "replan"
		if err := push(job); err != nil {
			return fmt.Errorf("queue a re-plan of %s: %w", j.key(), err)
		}
		queued++
		return nil
	})
	return queued, err
}
