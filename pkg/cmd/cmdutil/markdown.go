package cmdutil

import (
	"os"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plancomment"
)

// markdownOptions render p headed by title. In GitHub Actions ($GITHUB_REPOSITORY)
// the source line names and links the repository, and each file:line links to the
// file at the plan's commit; elsewhere nothing is linked (a local work tree shows its
// paths and commit, never its directory).
func markdownOptions(p *plan.Plan, title string) plan.MarkdownOptions {
	o := plan.MarkdownOptions{Title: title}
	owner, repo, err := githubapp.ParseRepo(os.Getenv("GITHUB_REPOSITORY"))
	if err != nil {
		return o
	}
	web := repoWebURL(owner, repo)
	o.Repository = plancomment.Repository(web)
	if rev := p.Revision; rev != "" {
		o.SourceURL = func(s manifest.Source) string { return plancomment.BlobURL(web, rev, s.File, s.Line) }
	}
	return o
}

func withMaxBytes(o plan.MarkdownOptions, n int) plan.MarkdownOptions {
	o.MaxBytes = n
	return o
}
