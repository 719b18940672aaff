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
func (p *Planner) ReplanStale(ctx context.Context, push func(Job) error) (int, error) {
	queued := 0
	app := p.App.AppClient()
	iopts := &github.ListOptions{PerPage: 100}
	for {
		insts, resp, err := app.Apps.ListInstallations(ctx, iopts)
		if err != nil {
			return queued, fmt.Errorf("list installations: %w", err)
		}
		for _, inst := range insts {
			n, err := p.replanInstallation(ctx, inst.GetID(), push)
			queued += n
			if err != nil {
				p.log().Warn("re-plan of an installation failed", "installation", inst.GetID(), "error", err)
			}
		}
		if resp.NextPage == 0 {
			return queued, nil
		}
		iopts.Page = resp.NextPage
	}
}

func (p *Planner) replanInstallation(ctx context.Context, inst int64, push func(Job) error) (int, error) {
	gh := p.App.Installation(inst)
	login, err := p.login(ctx)
	if err != nil {
		return 0, err
	}
	queued := 0
	ropts := &github.ListOptions{PerPage: 100}
	for {
		repos, resp, err := gh.Apps.ListRepos(ctx, ropts)
		if err != nil {
			return queued, fmt.Errorf("list repositories: %w", err)
		}
		for _, repo := range repos.Repositories {
			owner, name := repo.GetOwner().GetLogin(), repo.GetName()
			popts := &github.PullRequestListOptions{State: "open", ListOptions: github.ListOptions{PerPage: 100}}
			for {
				prs, presp, err := gh.PullRequests.List(ctx, owner, name, popts)
				if err != nil {
					return queued, fmt.Errorf("list pull requests of %s/%s: %w", owner, name, err)
				}
				for _, pr := range prs {
					ex, _, err := githubapp.NewStickyComment(gh, owner, name, pr.GetNumber(), commentKey, githubapp.WithCommentAuthor(login)).Find(ctx)
					if err != nil {
						return queued, err
					}
					if ex.Head == pr.GetHead().GetSHA() {
						continue
					}
					j := prJob{inst: inst, owner: owner, repo: name, number: pr.GetNumber(), trigger: "re-plan at start"}
					if err := push(p.job(j)); err != nil {
						return queued, fmt.Errorf("queue a re-plan of %s: %w", j.key(), err)
					}
					queued++
				}
				if presp.NextPage == 0 {
					break
				}
				popts.Page = presp.NextPage
			}
		}
		if resp.NextPage == 0 {
			return queued, nil
		}
		ropts.Page = resp.NextPage
	}
}
