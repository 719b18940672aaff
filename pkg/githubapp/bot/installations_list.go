package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
)

// ListInstalledRepos lists every repository of every installation of the App, asking
// GitHub (every page). An installation whose repositories cannot be listed is left
// out and named in the error; the others are returned all the same.
func ListInstalledRepos(ctx context.Context, app *githubapp.App) ([]RepoRef, error) {
	var (
		out  []RepoRef
		errs []error
	)
	iopts := &github.ListOptions{PerPage: 100}
	for {
		insts, resp, err := app.AppClient().Apps.ListInstallations(ctx, iopts)
		if err != nil {
			return out, fmt.Errorf("list installations: %w", err)
		}
		for _, inst := range insts {
			repos, err := listInstallationRepos(ctx, app, inst.GetID())
			out = append(out, repos...)
			if err != nil {
				errs = append(errs, fmt.Errorf("installation %d: %w", inst.GetID(), err))
			}
		}
		if resp.NextPage == 0 {
			return out, errors.Join(errs...)
		}
		iopts.Page = resp.NextPage
	}
}

func listInstallationRepos(ctx context.Context, app *githubapp.App, inst int64) ([]RepoRef, error) {
	gh := app.Installation(inst)
	var out []RepoRef
	ropts := &github.ListOptions{PerPage: 100}
	for {
		repos, resp, err := gh.Apps.ListRepos(ctx, ropts)
		if err != nil {
			return out, fmt.Errorf("list repositories: %w", err)
		}
		for _, r := range repos.Repositories {
			out = append(out, RepoRef{Installation: inst, Owner: r.GetOwner().GetLogin(), Name: r.GetName()})
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		ropts.Page = resp.NextPage
	}
}
