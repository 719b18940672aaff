package bot

import (
	"fmt"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/plancomment"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/repoconfig"
)

// planComment is the plan comment for head of the repository whose web page is
// repoURL, before its sections, with the bot's footer.
func (p *Planner) planComment(repoURL, head string) *plancomment.Comment {
	c := plancomment.New(repoURL, head)
	c.Footer = "\n_Comment `/gitops plan` to plan again._\n"
	return c
}

// configErrorComment is the comment for head of a repository whose .gitops.yaml
// cannot be used: the error, naming the file and line.
func configErrorComment(head string, err error) *plancomment.Comment {
	c := plancomment.New("", head)
	c.Add(repoconfig.File, "", nil, err)
	return c
}

// targetTitle heads target t's section of the plan comment: its name and how it was
// planned (live against its cluster, or offline and why).
func targetTitle(t repoconfig.Target, live bool, offlineReason string) string {
	mode := "offline: the base branch's render against this pull request's"
	if !live && offlineReason != "" {
		mode = "offline: " + offlineReason + "; the base branch's render against this pull request's"
	}
	if live {
		mode = "live: dry-run against cluster " + t.Cluster
	}
	return fmt.Sprintf("%s (%s)", t.Name, mode)
}
