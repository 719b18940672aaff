package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/google/go-github/v60/github"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/cmd/cmdutil"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/notify"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/redact"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
)

// commentKey names the plan's sticky comment.
const commentKey = "plan"

// Planner plans pull requests: for each target of the repository's .gitops.yaml, a
// live plan (server-side dry-run) when the operator granted the repository the
// target's cluster (Access), otherwise an
// offline plan (the base's render against the head's); the result goes to one sticky
// comment and the gitops/plan commit status of the head.
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
	// MaxCommentPages bounds the comments a plan takes (githubapp.PlanComment.MaxPages;
	// 0 means githubapp.DefaultMaxCommentPages).
	MaxCommentPages int
	Log             *slog.Logger
	// Limits bound each target's render (the bot's --max-objects and friends).
	Limits manifest.Limits
	// MaxCloneBytes bounds each clone of a pull request's head and base
	// (--max-clone-bytes; 0: no bound).
	MaxCloneBytes int64

	loginMu sync.Mutex
}

// prJob is what a pull request job needs from its event.
type prJob struct {
	inst        int64
	owner, repo string
	number      int
	trigger     string
	commentID   int64  // for /gitops plan: the comment to react to
	commentBy   string // its author
}

func (j prJob) key() string { return fmt.Sprintf("%s/%s#%d", j.owner, j.repo, j.number) }

// Handlers are the webhook handlers of pull request events and /gitops plan comments.
func (p *Planner) Handlers() map[string]Handler {
	return map[string]Handler{
		"pull_request": func(ev githubapp.WebhookEvent) (Job, bool) {
			e, ok := ev.Payload.(*githubapp.PullRequestEvent)
			if !ok {
				return Job{}, false
			}
			switch e.Action {
			case "opened", "synchronize", "reopened", "ready_for_review", "edited":
			default:
				return Job{}, false
			}
			if e.Action == "edited" && (e.Changes == nil || e.Changes.Base == nil) {
				return Job{}, false // only a new base changes the plan
			}
			j := prJob{inst: ev.Installation, owner: e.Repository.Owner.Login, repo: e.Repository.Name,
				number: e.Number, trigger: "pull_request " + e.Action}
			return p.job(j), true
		},
		"issue_comment": func(ev githubapp.WebhookEvent) (Job, bool) {
			e, ok := ev.Payload.(*githubapp.IssueCommentEvent)
			if !ok || e.Action != "created" || e.Issue.PullRequest == nil {
				return Job{}, false
			}
			if !isPlanCommand(e.Comment.Body) || e.Comment.User.Type == "Bot" {
				return Job{}, false
			}
			j := prJob{inst: ev.Installation, owner: e.Repository.Owner.Login, repo: e.Repository.Name,
				number: e.Issue.Number, trigger: "/gitops plan", commentID: e.Comment.ID,
				commentBy: e.Comment.User.Login}
			return p.job(j), true
		},
	}
}

// isPlanCommand reports whether a comment asks for a plan: a line "/gitops plan".
func isPlanCommand(body string) bool {
	for _, line := range strings.Split(body, "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "/gitops" && f[1] == "plan" {
			return true
		}
	}
	return false
}

func (p *Planner) job(j prJob) Job {
	return Job{Key: j.key(), Kind: "pull_request", Installation: j.inst, Run: func(ctx context.Context) error { return p.planOrReportTimeout(ctx, j) }}
}

// Plan plans one pull request at its current head. It is idempotent: a replay edits
// the same comment to the same text and posts the same status.
func (p *Planner) Plan(ctx context.Context, j prJob) error {
	log := p.log().With("pr", j.key(), "trigger", j.trigger)
	gh := p.App.Installation(j.inst)
	if j.commentID != 0 {
		allowed, err := p.mayPlan(ctx, gh, j)
		if err != nil || !allowed {
			return err
		}
	}
	pr, _, err := gh.PullRequests.Get(ctx, j.owner, j.repo, j.number)
	if err != nil {
		return fmt.Errorf("read pull request %s: %w", j.key(), err)
	}
	if pr.GetState() != "open" {
		return nil
	}
	head := pr.GetHead().GetSHA()
	status := githubapp.NewStatusReporter(gh, githubapp.StatusTarget{Owner: j.owner, Repo: j.repo, SHA: head},
		githubapp.PlanStatusContext, githubapp.WithStatusLogger(log))
	if err := status.Pending(ctx, "planning"); err != nil {
		return err
	}
	comment, failed, err := p.render(ctx, gh, j, pr, log)
	if err != nil {
		_ = status.Error(ctx, err.Error())
		return err
	}
	// The newest head wins: a push during the plan queued a job that will write.
	if cur, _, err := gh.PullRequests.Get(ctx, j.owner, j.repo, j.number); err == nil && cur.GetHead().GetSHA() != head {
		log.Info("the pull request moved on during the plan; leaving the comment to the newer head", "planned", head, "now", cur.GetHead().GetSHA())
		return nil
	}
	comment.MaxPages = p.MaxCommentPages
	if !comment.Silent {
		login, err := p.login(ctx)
		if err != nil {
			_ = status.Error(ctx, "the App's identity could not be read")
			return err
		}
		sticky := githubapp.NewStickyComment(gh, j.owner, j.repo, j.number, commentKey,
			githubapp.WithCommentAuthor(login), githubapp.WithCommentLogger(log))
		if _, err := sticky.Sync(ctx, head, comment.Pages(0)); err != nil {
			_ = status.Error(ctx, "the plan comment could not be written")
			return err
		}
	}
	desc := comment.Summary()
	if failed {
		return status.Failure(ctx, desc)
	}
	return status.Success(ctx, desc)
}

// mayPlan checks that the author of a /gitops plan comment may write to the
// repository; others get a thumbs-down reaction and no plan.
func (p *Planner) mayPlan(ctx context.Context, gh *github.Client, j prJob) (bool, error) {
	perm, _, err := gh.Repositories.GetPermissionLevel(ctx, j.owner, j.repo, j.commentBy)
	if err != nil {
		return false, fmt.Errorf("permission of %s on %s/%s: %w", j.commentBy, j.owner, j.repo, err)
	}
	allowed := perm.GetPermission() == "admin" || perm.GetPermission() == "write"
	reaction := "eyes"
	if !allowed {
		reaction = "-1"
		p.log().Info("/gitops plan from a user without write access: ignored", "pr", j.key(), "user", j.commentBy, "permission", perm.GetPermission())
	}
	if _, _, err := gh.Reactions.CreateIssueCommentReaction(ctx, j.owner, j.repo, j.commentID, reaction); err != nil {
		p.log().Warn("could not react to the comment", "pr", j.key(), "error", err)
	}
	return allowed, nil
}

// render plans every target of the pull request; failed is true when any target
// has problems or could not be planned. A repository whose config is invalid gets a
// comment naming the file and line.
func (p *Planner) render(ctx context.Context, gh *github.Client, j prJob, pr *github.PullRequest, log *slog.Logger) (*githubapp.PlanComment, bool, error) {
	head := pr.GetHead().GetSHA()
	title := githubapp.PlanTitle(head)
	cfg, err := p.repoConfig(ctx, gh, j, pr.GetBase().GetRepo().GetDefaultBranch())
	if err != nil {
		var ce *githubapp.ConfigError
		if errors.As(err, &ce) {
			return &githubapp.PlanComment{Title: title, Sections: []githubapp.PlanSection{{Name: githubapp.RepoConfigFile, Error: err.Error()}}}, true, nil
		}
		return nil, true, err
	}
	token, err := p.App.Token(ctx, j.inst)
	if err != nil {
		return nil, true, err
	}
	auth := &githttp.BasicAuth{Username: "x-access-token", Password: token}
	work, err := os.MkdirTemp("", "kubectl-gitops-bot-")
	if err != nil {
		return nil, true, err
	}
	defer os.RemoveAll(work)
	gitLog := log.With("component", "git")
	// The head commit alone (depth 1), within --max-clone-bytes.
	headRepo, err := gitrepo.Open(ctx, pr.GetHead().GetRepo().GetCloneURL(), head,
		gitrepo.WithAuth(auth), gitrepo.WithDir(work+"/head"), gitrepo.WithLogger(gitLog), gitrepo.WithMaxBytes(p.MaxCloneBytes))
	if err != nil {
		return nil, true, fmt.Errorf("clone the head of %s: %w", j.key(), cloneError(err))
	}
	defer headRepo.Close()
	fork := !strings.EqualFold(pr.GetHead().GetRepo().GetFullName(), pr.GetBase().GetRepo().GetFullName())

	var baseRepo *gitrepo.Repo // cloned once, when an offline plan needs it
	baseDir := func() (string, error) {
		if baseRepo == nil {
			r, err := gitrepo.Open(ctx, pr.GetBase().GetRepo().GetCloneURL(), pr.GetBase().GetSHA(),
				gitrepo.WithAuth(auth), gitrepo.WithDir(work+"/base"), gitrepo.WithLogger(gitLog), gitrepo.WithMaxBytes(p.MaxCloneBytes))
			if err != nil {
				return "", fmt.Errorf("clone the base of %s: %w", j.key(), cloneError(err))
			}
			baseRepo = r
		}
		return baseRepo.Dir(), nil
	}
	defer func() {
		if baseRepo != nil {
			baseRepo.Close()
		}
	}()

	link := func(s manifest.Source) string {
		return githubapp.BlobURL(pr.GetHead().GetRepo().GetHTMLURL(), head, s.File, s.Line)
	}
	comment := p.planComment(head)
	plans := map[string]*plan.Plan{}
	failed := false
	for _, t := range cfg.Targets {
		// The operator's grant, not the repository, decides the cluster and namespaces.
		access := p.Access.Resolve(j.owner+"/"+j.repo, t.Cluster, t.AllowNamespaces)
		live := access.Live && p.hasContext(t.Cluster) && (!fork || cfg.Forks.LivePlan)
		if live {
			t.AllowNamespaces = access.AllowNamespaces
		}
		pl, err := p.planTarget(ctx, t, live, access.NamespacedOnly, headRepo.Dir(), baseDir, auth, log)
		if err == nil {
			pl.Source = fmt.Sprintf("%s, path %s", pr.GetHead().GetRepo().GetFullName(), t.Path)
			if !live {
				pl.Source += fmt.Sprintf(" (offline: against %s at %s)", pr.GetBase().GetRef(), short(pr.GetBase().GetSHA()))
			}
			plans[t.Name] = pl
			failed = failed || len(pl.Problems) > 0
		} else {
			failed = true
		}
		comment.Sections = append(comment.Sections, targetSection(t, pl, err, live, access.Reason, link))
	}
	comment.Silent = cfg.Comments.Disabled
	p.notify(ctx, cfg, comment, plans, failed, pr, log)
	return comment, failed, nil
}

// planComment is the plan comment for head, before its sections.
func (p *Planner) planComment(head string) *githubapp.PlanComment {
	return &githubapp.PlanComment{Title: githubapp.PlanTitle(head), Footer: "\n_Comment `/gitops plan` to plan again._\n"}
}

// targetSection is target t's part of the plan comment: its plan pl, or the error
// that stopped it.
func targetSection(t githubapp.Target, pl *plan.Plan, err error, live bool, offlineReason string, link func(manifest.Source) string) githubapp.PlanSection {
	sec := githubapp.PlanSection{Name: t.Name}
	if err != nil {
		sec.Error = err.Error()
		return sec
	}
	mode := "offline: the base branch's render against this pull request's"
	if !live && offlineReason != "" {
		mode = "offline: " + offlineReason + "; the base branch's render against this pull request's"
	}
	if live {
		mode = "live: dry-run against cluster " + t.Cluster
	}
	sec.Blocks = pl.MarkdownBlocks(plan.MarkdownOptions{Title: fmt.Sprintf("%s (%s)", t.Name, mode), SourceURL: link})
	return sec
}

// notify sends each target's plan to the destinations the repository names.
func (p *Planner) notify(ctx context.Context, cfg *githubapp.RepoConfig, comment *githubapp.PlanComment, plans map[string]*plan.Plan, failed bool, pr *github.PullRequest, log *slog.Logger) {
	var sinks []notify.Sink
	for _, n := range cfg.Notify {
		s, ok := p.Notify[n.Name]
		if !ok {
			log.Warn("the repository names a notification the bot does not have", "name", n.Name)
			continue
		}
		if n.On == "always" || failed {
			sinks = append(sinks, s)
		}
	}
	for _, sec := range comment.Sections {
		pl := plans[sec.Name]
		if pl == nil {
			pl = &plan.Plan{Problems: []plan.Problem{{Message: sec.Error}}}
		}
		r := notify.ReportOf("plan", pl, sec.Name, pr.GetHTMLURL())
		if err := notify.SendAll(ctx, sinks, r, 10*time.Second); err != nil {
			log.Warn("notification failed", "target", sec.Name, "error", err)
		}
	}
}

// planTarget plans one target: live against its cluster, or offline.
func (p *Planner) planTarget(ctx context.Context, t githubapp.Target, live, namespacedOnly bool, headDir string, baseDir func() (string, error), auth *githttp.BasicAuth, log *slog.Logger) (*plan.Plan, error) {
	red := redact.New()
	so := source.Options{Source: headDir, Paths: []string{t.Path}, Redactor: red, Auth: auth, Limits: p.Limits}
	src, err := so.Open(ctx, log)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	to := cmdutil.TargetOptions{ApplySet: t.ApplySet, ApplySetNamespace: t.ApplySetNamespace,
		DefaultNamespace: t.DefaultNamespace, AllowNamespaces: t.AllowNamespaces, NamespacedOnly: namespacedOnly,
		Concurrency: 16, QPS: -1, Burst: 200}
	if to.ApplySet == "" {
		to.ApplySet = "gitops"
	}
	po := cmdutil.PlanOptions{Prune: true, MaxDeletes: -1}
	if !live {
		dir, err := baseDir()
		if err != nil {
			return nil, err
		}
		base := source.Options{Source: dir, Paths: []string{t.Path}, Redactor: red, Auth: auth, Limits: p.Limits}
		pl, err := cmdutil.BuildOffline(ctx, src, base, &to, po, log)
		if err != nil {
			return nil, errors.New(red.String(err.Error()))
		}
		return pl, nil
	}
	flags := cmdutil.NewConfigFlags(false)
	*flags.KubeConfig, *flags.Context = p.Kubeconfig, t.Cluster
	if p.CacheDir != "" {
		*flags.CacheDir = p.CacheDir
	}
	if err := to.Complete(flags); err != nil {
		return nil, fmt.Errorf("cluster %s: %w", t.Cluster, err)
	}
	if !plan.NamespaceAllowed(to.AllowNamespaces, to.ApplySetNamespace) {
		return nil, fmt.Errorf("cluster %s: the ApplySet's namespace %q is not allowed (allowed: %v): set applysetNamespace", t.Cluster, to.ApplySetNamespace, to.AllowNamespaces)
	}
	if err := to.Reachable(ctx, flags); err != nil {
		return nil, fmt.Errorf("cluster %s: %w", t.Cluster, err)
	}
	pl, _, err := cmdutil.Build(ctx, src, &to, po, log)
	if err != nil {
		return nil, errors.New(red.String(err.Error()))
	}
	return pl, nil
}

// repoConfig reads .gitops.yaml of the default branch (absent: defaults).
func (p *Planner) repoConfig(ctx context.Context, gh *github.Client, j prJob, branch string) (*githubapp.RepoConfig, error) {
	fc, _, resp, err := gh.Repositories.GetContents(ctx, j.owner, j.repo, githubapp.RepoConfigFile, &github.RepositoryContentGetOptions{Ref: branch})
	var data []byte
	switch {
	case resp != nil && resp.StatusCode == http.StatusNotFound:
	case err != nil:
		return nil, fmt.Errorf("read %s of %s/%s: %w", githubapp.RepoConfigFile, j.owner, j.repo, err)
	default:
		text, err := fc.GetContent()
		if err != nil {
			return nil, fmt.Errorf("read %s of %s/%s: %w", githubapp.RepoConfigFile, j.owner, j.repo, err)
		}
		data = []byte(text)
	}
	return githubapp.ParseRepoConfig(githubapp.RepoConfigFile, data)
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

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
