package githubapp

import (
	"context"

	"github.com/google/go-github/v60/github"
)

// EachInstallation calls visit with every installation of the App, page after page:
// a page is asked for once visit has seen the one before. gh is authenticated as the
// App (App.AppClient). An error of visit stops the listing and is returned as it is.
func EachInstallation(ctx context.Context, gh *github.Client, visit func(*github.Installation) error) error {
	opts := github.ListOptions{PerPage: 100}
	list := listing{what: "list installations", hints: appHints()}
	return paginate(ctx, list, func(ctx context.Context, page int) ([]*github.Installation, *github.Response, error) {
		opts.Page = page
		return gh.Apps.ListInstallations(ctx, &opts)
	}, func(page []*github.Installation) error {
		for _, inst := range page {
			if err := visit(inst); err != nil {
				return err
			}
		}
		return nil
	})
}
