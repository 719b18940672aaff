package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/cmd/cmdutil"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plancomment"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/redact"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
)

// render plans every target of the pull request; failed is true when any target
// has problems or could not be planned. A repository whose config is invalid gets a
// comment naming the file and line.
func (p *Planner) render(ctx context.Context, gh *github.Client, j prJob, pr *github.PullRequest, log *slog.Logger) (*plancomment.Comment, bool, error) {
	head := pr.GetHead().GetSHA()
	cfg, err := p.repoConfig(ctx, gh, j, pr.GetBase().GetRepo().GetDefaultBranch())
	if err != nil {
		var ce *githubapp.ConfigError
		if errors.As(err, &ce) {
			return configErrorComment(head, err), true, nil
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

	comment := p.planComment(pr.GetHead().GetRepo().GetHTMLURL(), head)
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
		comment.Add(t.Name, targetTitle(t, live, access.Reason), pl, err)
	}
	comment.Silent = cfg.Comments.Disabled
	p.notify(ctx, cfg, comment, plans, failed, pr, log)
	return comment, failed, nil
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
