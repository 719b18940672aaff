package cmdutil

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"regexp"

	"github.com/spf13/pflag"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/actionsenv"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plancomment"
)

// DefaultCommentAuthor writes the comments of GitHub Actions' GITHUB_TOKEN.
const DefaultCommentAuthor = "github-actions[bot]"

// commentKey names the plan comment of the command line and the Action; the bot's is
// "plan", so that the two never edit each other's comment.
const commentKey = "action-plan"

var commentNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// CommentOptions post a plan as the sticky comment of a pull request: the bot's
// comment (pkg/plancomment's Comment, pkg/githubapp's StickyComment), edited in place on every
// run, continued over several comments when long.
type CommentOptions struct {
	Enabled bool
	// Name tells several plans of one pull request apart (a matrix of clusters): each
	// name has its own comment, headed by it.
	Name string
	// Author is the login whose comments are taken over: the token's account.
	Author string
	// PR is the pull request number (default: from $GITHUB_EVENT_PATH).
	PR int
	// MaxPages bounds the comments the plan takes (the main one and continuations).
	MaxPages int
	// FullPlan says in Markdown where the whole plan is when the comments cannot
	// hold it (ReportOptions.FullPlan); "" says to run the plan locally.
	FullPlan string

	sticky      *githubapp.StickyComment
	owner, repo string
	head        string
	runURL      string
}

// AddFlags registers the comment flags.
func (o *CommentOptions) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.Enabled, "github-comment", false, "post the plan as the pull request's comment, edited in place on every run (token from "+EnvGitHubToken+")")
	fs.StringVar(&o.Name, "github-comment-name", "", "name of the plan on the pull request, for several plans (e.g. one per cluster): each name has its own comment")
	fs.StringVar(&o.Author, "github-comment-author", DefaultCommentAuthor, "login of the token's account: only its comments are edited")
	fs.IntVar(&o.PR, "github-pr", 0, "pull request number for the comment (default: from $GITHUB_EVENT_PATH)")
	fs.IntVar(&o.MaxPages, "github-comment-max-pages", plancomment.DefaultMaxPages, "most comments the plan takes (the main one and its continuations); the last one says what is left out and where the whole plan is")
}

// Validate checks the flags.
func (o *CommentOptions) Validate() error {
	if o.Name != "" && !commentNameRE.MatchString(o.Name) {
		return fmt.Errorf("--github-comment-name %q: want letters, digits, '.', '_' or '-' (at most 64)", o.Name)
	}
	if o.PR < 0 {
		return fmt.Errorf("--github-pr %d: want a pull request number", o.PR)
	}
	if o.MaxPages < 1 {
		return fmt.Errorf("--github-comment-max-pages %d: want at least 1", o.MaxPages)
	}
	return nil
}

// Complete finds the pull request and its head commit (revision when neither the
// flag nor the event says) and prepares the comment.
func (o *CommentOptions) Complete(gh *GitHubOptions, revision string, log *slog.Logger) error {
	if !o.Enabled {
		return nil
	}
	owner, repo, err := gh.Repository()
	if err != nil {
		return fmt.Errorf("--github-comment: %w", err)
	}
	pr, ok, err := actionsenv.ReadPullRequest(os.Getenv)
	if err != nil {
		return fmt.Errorf("--github-comment: %w", err)
	}
	number, head := o.PR, revision
	if ok {
		head = pr.HeadSHA
		if number == 0 {
			number = pr.Number
		}
	}
	if number == 0 {
		return fmt.Errorf("--github-comment: no pull request: give --github-pr, or run on a pull_request event")
	}
	client, err := gh.Client()
	if err != nil {
		return err
	}
	key := commentKey
	if o.Name != "" {
		key += "-" + o.Name
	}
	var opts []githubapp.CommentOption
	if o.Author != "" {
		opts = append(opts, githubapp.WithCommentAuthor(o.Author))
	}
	opts = append(opts, githubapp.WithCommentLogger(log))
	o.sticky = githubapp.NewStickyComment(client, owner, repo, number, key, opts...)
	o.owner, o.repo, o.head, o.runURL = owner, repo, head, gh.RunURL()
	return nil
}

// Post writes p as the comment; title heads the plan (e.g. saying it is offline).
func (o *CommentOptions) Post(ctx context.Context, p *plan.Plan, title string) error {
	if o.sticky == nil {
		return nil
	}
	c := o.PlanComment(p, title)
	if _, err := o.sticky.Sync(ctx, o.head, c.Pages(0)); err != nil {
		return err
	}
	return nil
}

// PlanComment is the comment Post writes for p: one section, named by the comment's
// name and headed by title, with the Action's footer.
func (o *CommentOptions) PlanComment(p *plan.Plan, title string) *plancomment.Comment {
	c := plancomment.New(repoWebURL(o.owner, o.repo), o.head)
	c.MaxPages, c.FullPlan = o.MaxPages, o.FullPlan
	if o.runURL != "" {
		c.Footer = fmt.Sprintf("\n_Planned by [this workflow run](%s)._\n", o.runURL)
	}
	c.Add(o.Name, title, p, nil)
	return c
}
