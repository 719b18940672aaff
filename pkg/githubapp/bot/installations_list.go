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
	err := githubapp.EachInstallation(ctx, app.AppClient(), func(inst *github.Installation) error {
		repos, err := githubapp.ListInstallationRepos(ctx, app.Installation(inst.GetID()))
		for _, r := range repos {
			out = append(out, RepoRef{Installation: inst.GetID(), Owner: r.GetOwner().GetLogin(), Name: r.GetName()})
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("installation %d: %w", inst.GetID(), err))
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	return out, errors.Join(errs...)
}
