package githubapp

import (
	"context"

	"github.com/google/go-github/v60/github"
)

// ListInstallationRepos lists the repositories an installation may access, every
// page; gh is authenticated as the installation (App.Installation). When a page
// fails, the repositories of the pages before are returned with the error.
func ListInstallationRepos(ctx context.Context, gh *github.Client) ([]*github.Repository, error) {
	var out []*github.Repository
	opts := github.ListOptions{PerPage: 100}
	list := listing{what: "list repositories", hints: installationHints()}
	err := paginate(ctx, list, func(ctx context.Context, page int) ([]*github.Repository, *github.Response, error) {
		opts.Page = page
		repos, resp, err := gh.Apps.ListRepos(ctx, &opts)
		if err != nil || repos == nil {
			return nil, resp, err
		}
		return repos.Repositories, resp, nil
	}, appendTo(&out))
	return out, err
}
