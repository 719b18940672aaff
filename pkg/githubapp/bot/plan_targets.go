package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/engine"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plancomment"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/redact"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/repoconfig"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
)

// rendered is a pull request's plan: the comment, each target's outcome for its
// check run, and where the head was checked out.
type rendered struct {
	comment *plancomment.Comment
	// failed is true when any target has problems or could not be planned.
	failed  bool
	targets []targetPlan
	root    string
}

// render plans every target of the pull request. A repository whose config is
// invalid gets a comment naming the file and line (and no check runs: there are no
// targets).
func (p *Planner) render(ctx context.Context, gh *github.Client, j prJob, pr *github.PullRequest, log *slog.Logger) (*rendered, error) {
	head := pr.GetHead().GetSHA()
	cfg, err := p.repoConfig(ctx, gh, j, pr.GetBase().GetRepo().GetDefaultBranch())
	if err != nil {
		var ce *repoconfig.Error
		if errors.As(err, &ce) {
			return &rendered{comment: configErrorComment(head, err), failed: true}, nil
		}
		return nil, err
	}
	token, err := p.App.Token(ctx, j.inst)
	if err != nil {
		return nil, err
	}
	auth := gitrepo.TokenAuth(token)
	co, err := p.checkout(ctx, j, pr, auth, log)
	if err != nil {
		return nil, err
	}
	defer co.Close()
	fork := !strings.EqualFold(pr.GetHead().GetRepo().GetFullName(), pr.GetBase().GetRepo().GetFullName())

	out := &rendered{comment: p.planComment(pr.GetHead().GetRepo().GetHTMLURL(), head), root: co.headDir()}
	comment := out.comment
	plans := map[string]*plan.Plan{}
	for _, t := range cfg.Targets {
		// The operator's grant, not the repository, decides the cluster and namespaces.
		access := p.Access.Resolve(j.owner+"/"+j.repo, t.Cluster, t.AllowNamespaces)
		live := access.Live && p.hasContext(t.Cluster) && (!fork || cfg.Forks.LivePlan)
		if live {
			t.AllowNamespaces = access.AllowNamespaces
		}
		pl, err := p.planTarget(ctx, t, planMode{live: live, namespacedOnly: access.NamespacedOnly}, co.headDir(), co.baseDir, auth, log)
		if err == nil {
			pl.Source = fmt.Sprintf("%s, path %s", pr.GetHead().GetRepo().GetFullName(), t.Path)
			pl.Repository = pr.GetHead().GetRepo().GetFullName() // not the clone's directory
			if !live {
				pl.Source += fmt.Sprintf(" (offline: against %s at %s)", pr.GetBase().GetRef(), short(pr.GetBase().GetSHA()))
			}
			plans[t.Name] = pl
			out.failed = out.failed || len(pl.Problems) > 0
		} else {
			out.failed = true
		}
		title := targetTitle(t, live, access.Reason)
		comment.Add(t.Name, title, pl, err)
		p.recordPlan(j, pr, t, pl, err)
		out.targets = append(out.targets, targetPlan{name: t.Name, title: title, plan: pl, err: err})
	}
	comment.Silent = cfg.Comments.Disabled
	p.notify(ctx, cfg, comment, plans, out.failed, pr, log)
	return out, nil
}

// planMode is how a target is planned.
type planMode struct {
	// live plans against the target's cluster; else offline, against baseDir.
	live bool
	// namespacedOnly refuses cluster-scoped objects (the grant's namespaces are a list).
	namespacedOnly bool
	// forceConflicts shows fields another field manager took over as changes (drift),
	// instead of as conflicts.
	forceConflicts bool
}

// planTarget plans one target: live against its cluster, or offline. Its Target is
// engine.DefaultTarget with the repository's settings over it.
func (p *Planner) planTarget(ctx context.Context, t repoconfig.Target, mode planMode, headDir string, baseDir func() (string, error), auth transport.AuthMethod, log *slog.Logger) (*plan.Plan, error) {
	red := redact.New()
	so := source.Options{Source: headDir, Paths: []string{t.Path}, Redactor: red, Auth: auth, Limits: p.Limits}
	src, err := so.Open(ctx, log)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	target := engine.DefaultTarget()
	if t.ApplySet != "" {
		target.ApplySet = t.ApplySet
	}
	target.ApplySetNamespace, target.DefaultNamespace = t.ApplySetNamespace, t.DefaultNamespace
	target.AllowNamespaces, target.NamespacedOnly = t.AllowNamespaces, mode.namespacedOnly
	target.ForceConflicts = mode.forceConflicts
	if !mode.live {
		dir, err := baseDir()
		if err != nil {
			return nil, unavailable(err)
		}
		base := source.Options{Source: dir, Paths: []string{t.Path}, Redactor: red, Auth: auth, Limits: p.Limits}
		pl, err := engine.PlanOffline(ctx, target, src, base, log)
		if err != nil {
			return nil, errors.New(red.String(err.Error()))
		}
		return pl, nil
	}
	conn, err := engine.Connect(engine.ContextFlags(p.Kubeconfig, t.Cluster, p.CacheDir), &target)
	if err != nil {
		return nil, unavailable(fmt.Errorf("cluster %s: %w", t.Cluster, err))
	}
	if !plan.NamespaceAllowed(target.AllowNamespaces, target.ApplySetNamespace) {
		return nil, fmt.Errorf("cluster %s: the ApplySet's namespace %q is not allowed (allowed: %v): set applysetNamespace", t.Cluster, target.ApplySetNamespace, target.AllowNamespaces)
	}
	if err := conn.Reachable(ctx); err != nil {
		return nil, unavailable(fmt.Errorf("cluster %s: %w", t.Cluster, err))
	}
	pl, _, err := engine.PlanLive(ctx, conn, target, src, log)
	if err != nil {
		return nil, errors.New(red.String(err.Error()))
	}
	return pl, nil
}
