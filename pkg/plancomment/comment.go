package plancomment

import (
	"fmt"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// DefaultMaxPages is how many comments a plan comment takes at most (the main one
// and its continuations), for the bot (--max-comment-pages) and the plugin
// (--github-comment-max-pages) alike: a pull request can grow its plan at will, and
// every page is rewritten on every push.
const DefaultMaxPages = 10

// Section is one target's plan in a pull request comment.
type Section struct {
	// Name is the target's name; Title heads the section ("" for Name).
	Name, Title string
	// Blocks is the target's plan, rendered by plan.Plan.MarkdownBlocks.
	Blocks plan.MarkdownBlocks
	// Error, when the target could not be planned at all, replaces its plan.
	Error string
}

// Comment is the content of a sticky plan comment: a title line, one summary line
// per target, then each target's counts, problems and objects, then the diffs.
type Comment struct {
	// Title is the first line, e.g. "kubectl gitops plan for `abc1234`".
	Title    string
	Sections []Section
	// Footer ends the first page, e.g. how to re-run the plan.
	Footer string
	// Silent is set when the repository asks for the commit status only, no comment.
	Silent bool
	// MaxPages bounds the number of pages (DefaultMaxPages when 0).
	MaxPages int
	// FullPlan says, in Markdown, where the whole plan is when the pages cannot hold
	// it (e.g. "The whole plan is in the job summary of …"); "" says to run the plan
	// locally.
	FullPlan string

	repoURL string
	head    string
}

// New is the plan comment for commit head of the repository whose web page is
// repoURL ("https://github.com/owner/name"): titled for head (Title), without
// sections; Add adds them. With head "", no source is linked.
func New(repoURL, head string) *Comment {
	return &Comment{Title: Title(head), repoURL: repoURL, head: head}
}

// Add adds target name's section: its plan p headed by title ("" for the plan's
// default heading), each object's file:line linked to the file at the comment's
// head; or, when err is not nil, the error that stopped the target's plan.
func (c *Comment) Add(name, title string, p *plan.Plan, err error) {
	s := Section{Name: name}
	if err != nil {
		s.Error = err.Error() // headed by the name alone: the title says how it would have been planned
	} else {
		s.Title = title
		s.Blocks = p.MarkdownBlocks(c.MarkdownOptions(title))
	}
	c.Sections = append(c.Sections, s)
}

// MarkdownOptions render a plan of the comment's repository at its head, headed by
// title: each file:line linked to the file at the head, the source line to the
// repository, the paths and the commit.
func (c *Comment) MarkdownOptions(title string) plan.MarkdownOptions {
	return plan.MarkdownOptions{Title: title, SourceURL: c.sourceURL, Repository: Repository(c.repoURL)}
}

// sourceURL links src to its file at the head commit; "" when the head is unknown.
func (c *Comment) sourceURL(src manifest.Source) string {
	if c.head == "" {
		return ""
	}
	return BlobURL(c.repoURL, c.head, src.File, src.Line)
}

// Title is the first line of a plan comment for head: "kubectl gitops plan for
// `abc1234`".
func Title(head string) string {
	if len(head) > 7 {
		head = head[:7]
	}
	return fmt.Sprintf("kubectl gitops plan for `%s`", head)
}
