package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot/statuspage"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/webhook"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plan"
)

// Deployed notes: when an apply posts its final gitops/apply status (the plugin's
// --github-status, the Action) to a commit of the default branch, the plan comment of
// each pull request that commit deployed is headed by a note saying so.
//
// Anyone who may post commit statuses to the repository (statuses: write) can make
// such a note appear: its text (target name, description, link) is treated as
// untrusted, escaped and bounded.

// maxDeployedCommits bounds the commits walked back from an applied commit to the
// previous successful apply of the same context; past it the newest ones are noted.
const maxDeployedCommits = 20

// deployJob is what a deployed-note job needs from a status event.
type deployJob struct {
	inst                int64
	owner, repo         string
	sha, context, state string
	description, runURL string
	branches            []string // the branches GitHub says contain sha (at most 10)
	at                  time.Time
}

func (j deployJob) key() string { return fmt.Sprintf("%s/%s@%s %s", j.owner, j.repo, j.sha, j.context) }

// applyTarget is the target named by an apply status context: "" for
// "gitops/apply", name for "gitops/apply/<name>"; ok is false for other contexts.
func applyTarget(context string) (name string, ok bool) {
	if context == githubapp.ApplyStatusContext {
		return "", true
	}
	name, ok = strings.CutPrefix(context, githubapp.ApplyStatusContext+"/")
	return name, ok && name != ""
}

// addDeployedRoutes registers the status route: a final apply status becomes a
// deployed-note job.
func (p *Planner) addDeployedRoutes(rs Routes) error {
	return rs.Add("status", func(ev webhook.Event) (Job, bool) {
		e, ok := ev.Payload.(*github.StatusEvent)
		if !ok || ev.Installation == 0 {
			return Job{}, false
		}
		switch e.GetState() {
		case "success", "failure", "error":
		default:
			return Job{}, false
		}
		if _, ok := applyTarget(e.GetContext()); !ok {
			return Job{}, false
		}
		j := deployJob{inst: ev.Installation, owner: e.GetRepo().GetOwner().GetLogin(), repo: e.GetRepo().GetName(),
			sha: e.GetSHA(), context: e.GetContext(), state: e.GetState(),
			description: e.GetDescription(), runURL: e.GetTargetURL(), at: e.GetUpdatedAt().Time}
		if j.owner == "" || j.repo == "" || !shaRE.MatchString(j.sha) {
			return Job{}, false
		}
		for _, b := range e.Branches {
			j.branches = append(j.branches, b.GetName())
		}
		return Job{Key: j.key(), Kind: "status", Installation: j.inst,
			Run: func(ctx context.Context) error { return p.NoteDeployed(ctx, j) }}, true
	})
}

var shaRE = regexp.MustCompile(`^[0-9a-f]{40}$`)

// NoteDeployed heads the plan comment of every pull request merged into the default
// branch between the previous successful apply of j's context and j's commit with a
// note of j's apply. It is idempotent: a note per outcome (applied, failed), context
// and commit, added once.
func (p *Planner) NoteDeployed(ctx context.Context, j deployJob) error {
	log := p.log().With("repo", j.owner+"/"+j.repo, "commit", short(j.sha), "context", j.context, "state", j.state)
	gh := p.App.Installation(j.inst)
	repo, err := githubapp.GetRepository(ctx, gh, j.owner, j.repo)
	if err != nil {
		return err
	}
	branch := repo.GetDefaultBranch()
	if !slices.Contains(j.branches, branch) {
		on, err := githubapp.CommitOnBranch(ctx, gh, j.owner, j.repo, branch, j.sha)
		if err != nil {
			return err
		}
		if !on {
			log.Debug("apply status of a commit not on the default branch: no note")
			return nil
		}
	}
	commits, err := p.sinceLastApply(ctx, gh, j, log)
	if err != nil {
		return err
	}
	login, err := p.login(ctx)
	if err != nil {
		return err
	}
	target := p.targetName(ctx, gh, j, branch)
	p.recordApply(j, target)
	named := "the cluster"
	if target != "" {
		named = plan.MarkdownCode(target)
	}
	line := deployedNote(j, named)
	outcome := "applied:"
	if j.state != "success" {
		outcome = "failed:"
	}
	key := outcome + noteContext(j.context) + "@" + j.sha
	seen := map[int]bool{}
	for _, c := range commits {
		prs, err := githubapp.ListCommitPullRequests(ctx, gh, j.owner, j.repo, c)
		if err != nil {
			return err
		}
		for _, pr := range prs {
			n := pr.GetNumber()
			if seen[n] || pr.GetMergedAt().IsZero() || pr.GetBase().GetRef() != branch {
				continue
			}
			seen[n] = true
			pj := prJob{inst: j.inst, owner: j.owner, repo: j.repo, number: n}
			added, err := stickyComment(gh, pj, login, log).AddNote(ctx, key, line)
			if err != nil {
				return err
			}
			log.Info("deployed note", "pr", pj.key(), "added", added)
		}
	}
	return nil
}

// sinceLastApply are the commits of the default branch from j's back to (not
// including) the newest one with a successful status of j's context, newest first, at
// most maxDeployedCommits.
func (p *Planner) sinceLastApply(ctx context.Context, gh *github.Client, j deployJob, log *slog.Logger) ([]string, error) {
	history, err := githubapp.ListCommitsFrom(ctx, gh, j.owner, j.repo, j.sha, maxDeployedCommits+1)
	if err != nil {
		return nil, err
	}
	var out []string
	for i, c := range history {
		if i > 0 {
			sts, err := githubapp.ListCommitStatuses(ctx, gh, j.owner, j.repo, c)
			if err != nil {
				return nil, err
			}
			if slices.ContainsFunc(sts, func(s *github.RepoStatus) bool {
				return s.GetContext() == j.context && s.GetState() == "success"
			}) {
				return out, nil
			}
		}
		if len(out) == maxDeployedCommits {
			log.Info("no earlier successful apply within the newest commits: noting theirs only", "commits", maxDeployedCommits)
			break
		}
		out = append(out, c)
	}
	return out, nil
}

// targetName is the target j applied: the context's name, else the repository's
// single target, else "" (unknown).
func (p *Planner) targetName(ctx context.Context, gh *github.Client, j deployJob, branch string) string {
	if name, _ := applyTarget(j.context); name != "" {
		return clipText(name, 100)
	}
	cfg, err := p.repoConfig(ctx, gh, prJob{inst: j.inst, owner: j.owner, repo: j.repo}, branch)
	if err == nil && len(cfg.Targets) == 1 {
		return clipText(cfg.Targets[0].Name, 100)
	}
	return ""
}

// recordApply shows j's apply of target on the status page.
func (p *Planner) recordApply(j deployJob, target string) {
	if p.Board == nil || target == "" {
		return
	}
	at := j.at
	if at.IsZero() {
		at = time.Now()
	}
	p.Board.RecordApply(j.inst, j.owner+"/"+j.repo, target, statuspage.Run{SHA: j.sha, Time: at,
		Summary: clipText(j.description, 200), Failed: j.state != "success", URL: runURL(j.runURL)})
}

// deployedNote is the note's line: the apply's outcome, when, its run (linked when
// its URL is https) and its description, escaped and bounded.
func deployedNote(j deployJob, target string) string {
	at := j.at
	if at.IsZero() {
		at = time.Now()
	}
	when := at.UTC().Format("2006-01-02 15:04 UTC")
	run := runLink(j.runURL)
	desc := plan.MarkdownText(clipText(j.description, 200))
	if j.state == "success" {
		s := "**Applied** to " + target + " at " + when
		if run != "" {
			s += " by " + run
		}
		if desc != "" {
			s += ": " + desc
		}
		return s
	}
	s := "**Apply** to " + target + " **failed** at " + when
	if run != "" {
		s += " (" + run + ")"
	}
	if desc != "" {
		s += ": " + desc
	}
	return s
}

// runURL is an apply's run address when it is safe to link: https, with a host and
// no user, at most 500 bytes; else "".
func runURL(u string) string {
	if len(u) > 500 {
		return ""
	}
	pu, err := url.Parse(u)
	if err != nil || pu.Scheme != "https" || pu.Host == "" || pu.User != nil {
		return ""
	}
	return pu.String()
}

// runLink links "the run" to runURL(u); "" when it is not safe to link.
func runLink(u string) string {
	if u = runURL(u); u == "" {
		return ""
	}
	return plan.MarkdownLink("the run", u)
}

// clipText bounds s to n bytes (whole characters), marking the cut.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// noteContext is a status context as a note key may hold it: itself when plain, else
// a digest.
func noteContext(context string) string {
	if plainContextRE.MatchString(context) {
		return context
	}
	sum := sha256.Sum256([]byte(context))
	return "h" + hex.EncodeToString(sum[:8])
}

var plainContextRE = regexp.MustCompile(`^[A-Za-z0-9_./-]{1,100}$`)
