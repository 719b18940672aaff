package bot

import (
	"context"
	"log/slog"
	"sync"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot/statuspage"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitcache"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/notify"
)

// commentKey names the plan's sticky comment.
const commentKey = "plan"

// Planner plans pull requests: for each target of the repository's .gitops.yaml, a
// live plan (server-side dry-run) when the operator granted the repository the
// target's cluster (Access), otherwise an
// offline plan (the base's render against the head's); the result goes to one sticky
// comment, the gitops/plan commit status of the head, and one check run per target
// (gitops/plan/<target>, plan_check.go).
type Planner struct {
	App *githubapp.App
	// Kubeconfig holds one context per cluster that repositories target; "" means
	// offline plans only.
	Kubeconfig string
	// Access grants the contexts of Kubeconfig to repositories, with the namespaces
	// they may see (--cluster-access); nil grants nothing: offline plans only.
	Access *ClusterAccess
	// CacheDir holds the API discovery cache (default: a temporary directory).
	CacheDir string
	// Notify are the notification destinations the operator configured, by the name
	// repositories use in .gitops.yaml notify: (the URLs are secrets: never in git).
	Notify map[string]notify.Sink
	// BotLogin is the login the App comments as ("<slug>[bot]"); "" means asking
	// GitHub for the App's slug on first use.
	BotLogin string
	// MaxCommentPages bounds the comments a plan takes (plancomment.Comment.MaxPages;
	// 0 means plancomment.DefaultMaxPages).
	MaxCommentPages int
	Log             *slog.Logger
	// Limits bound each target's render (the bot's --max-objects and friends).
	Limits manifest.Limits
	// MaxCloneBytes bounds each clone of a pull request's head and base
	// (--max-clone-bytes; 0: no bound).
	MaxCloneBytes int64
	// GitCache, when set, keeps each repository between jobs: a job fetches only the
	// commits it lacks, then checks them out (--git-cache-dir). nil: a clone per job.
	GitCache *gitcache.Cache
	// Board, when set, records each target's last plan for the status page.
	Board *statuspage.Board
	// Metrics count the check runs that could not be written (nil: not counted).
	Metrics *PlanMetrics

	loginMu sync.Mutex
}

// Plan plans one pull request at its current head. It is idempotent: a replay edits
// the same comment to the same text and posts the same status.
func (p *Planner) Plan(ctx context.Context, j prJob) error {
	log := p.log().With("pr", j.key(), "trigger", j.trigger)
	gh := p.App.Installation(j.inst)
	if j.commentID != 0 || j.rerun != 0 {
		allowed, err := p.mayPlan(ctx, gh, j)
		if err != nil || !allowed {
			return err
		}
	}
	pr, err := openPullRequest(ctx, gh, j)
	if pr == nil || err != nil {
		return err
	}
	head := pr.GetHead().GetSHA()
	status := planStatus(gh, j, head, log)
	if err := status.Pending(ctx, "planning"); err != nil {
		return err
	}
	out, err := p.render(ctx, gh, j, pr, log)
	if err != nil {
		_ = status.Error(ctx, err.Error())
		return err
	}
	comment, failed := out.comment, out.failed
	// The newest head wins: a push during the plan queued a job that will write.
	if cur, err := githubapp.GetPullRequest(ctx, gh, j.owner, j.repo, j.number); err == nil && cur.GetHead().GetSHA() != head {
		log.Info("the pull request moved on during the plan; leaving the comment to the newer head", "planned", head, "now", cur.GetHead().GetSHA())
		return nil
	}
	comment.MaxPages = p.MaxCommentPages
	details := ""
	if !comment.Silent {
		login, err := p.login(ctx)
		if err != nil {
			_ = status.Error(ctx, "the App's identity could not be read")
			return err
		}
		if details, err = stickyComment(gh, j, login, log).Sync(ctx, head, comment.Pages(0)); err != nil {
			_ = status.Error(ctx, "the plan comment could not be written")
			return err
		}
	}
	p.writeChecks(ctx, gh, j, pr, out.root, details, out.targets, log)
	desc := comment.Summary()
	if failed {
		return status.Failure(ctx, desc)
	}
	return status.Success(ctx, desc)
}

// openPullRequest reads j's pull request; nil (and no error) when it is no longer
// open: there is nothing to plan or report.
func openPullRequest(ctx context.Context, gh *github.Client, j prJob) (*github.PullRequest, error) {
	pr, err := githubapp.GetPullRequest(ctx, gh, j.owner, j.repo, j.number)
	if err != nil || pr.GetState() != "open" {
		return nil, err
	}
	return pr, nil
}

// planStatus is the gitops/plan commit status of j's commit head.
func planStatus(gh *github.Client, j prJob, head string, log *slog.Logger) *githubapp.StatusReporter {
	return githubapp.NewStatusReporter(gh, githubapp.StatusTarget{Owner: j.owner, Repo: j.repo, SHA: head},
		githubapp.PlanStatusContext, githubapp.WithStatusLogger(log))
}

// stickyComment is j's sticky plan comment, as written by login (the App).
func stickyComment(gh *github.Client, j prJob, login string, log *slog.Logger) *githubapp.StickyComment {
	return githubapp.NewStickyComment(gh, j.owner, j.repo, j.number, commentKey,
		githubapp.WithCommentAuthor(login), githubapp.WithCommentLogger(log))
}

// login is the App's comment author, "<slug>[bot]": only its comments are taken
// over as the sticky comment.
func (p *Planner) login(ctx context.Context) (string, error) {
	p.loginMu.Lock()
	defer p.loginMu.Unlock()
	if p.BotLogin == "" {
		slug, err := p.App.Check(ctx)
		if err != nil {
			return "", err
		}
		p.BotLogin = slug + "[bot]"
	}
	return p.BotLogin, nil
}

// hasContext reports whether the bot's kubeconfig has a context named name.
func (p *Planner) hasContext(name string) bool {
	if p.Kubeconfig == "" {
		return false
	}
	cfg, err := clientcmd.LoadFromFile(p.Kubeconfig)
	if err != nil {
		return false
	}
	_, ok := cfg.Contexts[name]
	return ok
}

func (p *Planner) log() *slog.Logger {
	if p.Log == nil {
		return slog.Default()
	}
	return p.Log
}

// short is a commit id as the bot names it in messages and logs: 7 characters.
func short(sha string) string { return gitrepo.ShortSHA(sha, 7) }
