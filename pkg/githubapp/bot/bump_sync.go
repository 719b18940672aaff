package bot

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
)

// Actions of BumpBranch.
const (
	actionOpened    = "opened"
	actionUpdated   = "updated"
	actionUnchanged = "unchanged"
	actionClosed    = "closed"
	actionProblems  = "problems"
	actionDeclined  = "declined"
)

// add records what was done to a branch (under ReadOnly, what would have been).
func (r *BumpResult) add(br *BumpBranch) {
	rec := *br
	rec.Action = actionName(br.Action, r.ReadOnly)
	r.Branches = append(r.Branches, rec)
	if r.ReadOnly {
		return
	}
	switch br.Action {
	case actionOpened:
		r.Opened = append(r.Opened, br.PullRequest)
	case actionUpdated:
		r.Updated = append(r.Updated, br.PullRequest)
	case actionClosed:
		if br.PullRequest != 0 {
			r.Closed = append(r.Closed, br.PullRequest)
		}
	}
}

// syncGroup makes one branch and its pull request current. remoteSHA is the
// branch's tip on the remote ("" when it does not exist).
func (b *GitHubBumper) syncGroup(ctx context.Context, w *bumpWork, g *bumpGroup, remoteSHA string) (*BumpBranch, error) {
	log := w.log.With("branch", g.branch)
	br := &BumpBranch{Branch: g.branch, Images: g.repos, Updates: g.updates}
	pr, err := githubapp.FindPullRequest(ctx, w.gh, w.repo.Owner, w.repo.Name, g.branch)
	if err != nil {
		return nil, err
	}
	if pr != nil {
		br.PullRequest = pr.GetNumber()
	}
	def := w.info.GetDefaultBranch()

	switch {
	case len(g.problems) > 0:
		// Left as it was: a registry failing must not undo a bump nor close it.
		br.Action = actionProblems
		if pr != nil {
			if body := withProblems(pr.GetBody(), g.problems); body != pr.GetBody() {
				if err := b.write(ctx, log, "edit the problems of the pull request", func() error {
					return githubapp.EditPullRequest(ctx, w.gh, w.repo.Owner, w.repo.Name, pr.GetNumber(), pr.GetTitle(), body)
				}); err != nil {
					return br, err
				}
			}
		}
		b.Metrics.branch(br.Action, b.ReadOnly)
		return br, nil

	case len(g.updates) == 0:
		if pr == nil && remoteSHA == "" {
			return nil, nil // nothing to bump, nothing to undo
		}
		br.Action = actionClosed
		if pr != nil {
			if err := b.write(ctx, log, "close the pull request: the default branch has the tags", func() error {
				return githubapp.ClosePullRequest(ctx, w.gh, w.repo.Owner, w.repo.Name, pr.GetNumber(), closeComment(g, def))
			}); err != nil {
				return br, err
			}
		}
		if err := b.write(ctx, log, "delete the branch", func() error {
			return githubapp.DeleteBranch(ctx, w.gh, w.repo.Owner, w.repo.Name, g.branch)
		}); err != nil {
			return br, err
		}
		b.Metrics.branch(br.Action, b.ReadOnly)
		return br, nil
	}

	title, body := g.title(), bumpBody(g, w.info.GetHTMLURL(), def)
	if pr == nil {
		// A person closed this very change without merging it: not proposed again
		// until a newer tag changes the title.
		declined, err := githubapp.FindDeclinedPullRequest(ctx, w.gh, w.repo.Owner, w.repo.Name, g.branch, title)
		if err != nil {
			return br, err
		}
		if declined != nil {
			br.Action, br.PullRequest = actionDeclined, declined.GetNumber()
			b.Metrics.branch(br.Action, b.ReadOnly)
			log.Info("image-bump branch", "action", br.Action, "pr", br.PullRequest, "title", title)
			return br, nil
		}
	}
	pushed, err := b.commitBranch(ctx, w, g, remoteSHA)
	if err != nil {
		return br, err
	}
	br.Pushed = pushed
	switch {
	case pr == nil:
		br.Action = actionOpened
		err = b.write(ctx, log, "open the pull request", func() error {
			opened, created, err := githubapp.OpenPullRequest(ctx, w.gh, w.repo.Owner, w.repo.Name,
				githubapp.NewPullRequest{Title: title, Body: body, Head: g.branch, Base: def})
			if err != nil {
				return err
			}
			br.PullRequest = opened.GetNumber()
			if !created { // another replica was quicker: it labels it
				br.Action = actionUnchanged
				return nil
			}
			cfg := w.config.ImagePullRequests
			if err := githubapp.AddLabels(ctx, w.gh, w.repo.Owner, w.repo.Name, br.PullRequest, cfg.Labels); err != nil {
				return err
			}
			return githubapp.RequestReviewers(ctx, w.gh, w.repo.Owner, w.repo.Name, br.PullRequest, cfg.Reviewers, cfg.TeamReviewers)
		})
	case pr.GetTitle() != title || pr.GetBody() != body:
		br.Action = actionUpdated
		err = b.write(ctx, log, "edit the pull request", func() error {
			return githubapp.EditPullRequest(ctx, w.gh, w.repo.Owner, w.repo.Name, pr.GetNumber(), title, body)
		})
	case pushed:
		br.Action = actionUpdated
	default:
		br.Action = actionUnchanged
	}
	b.Metrics.branch(br.Action, b.ReadOnly)
	if err == nil {
		log.Info("image-bump branch", "action", actionName(br.Action, b.ReadOnly), "pushed", pushed, "pr", br.PullRequest, "updates", len(g.updates))
	}
	return br, err
}

// commitBranch makes the group's one commit on top of the default branch and
// force-pushes it, unless the remote branch already holds the same tree on the same
// parent. It reports whether it pushed (or, read-only, would have).
func (b *GitHubBumper) commitBranch(ctx context.Context, w *bumpWork, g *bumpGroup, remoteSHA string) (bool, error) {
	repo := w.src.Repo
	if err := repo.ResetTo(w.base); err != nil {
		return false, err
	}
	changed, err := images.Apply(w.scan.Data, g.updates)
	if err != nil {
		return false, err
	}
	written, err := w.src.WriteFiles(changed)
	if err != nil {
		return false, err
	}
	author, email, err := b.identity(ctx)
	if err != nil {
		return false, err
	}
	cfg := w.config.ImagePullRequests
	err = w.git(ctx, func() error {
		_, err := repo.Commit(images.CommitMessage(g.title(), g.updates), gitrepo.CommitOptions{
			Paths: written, Author: author, Email: email, CISkip: cfg.CISkip})
		return err
	})
	if err != nil {
		return false, err
	}
	want, err := repo.CommitInfo("")
	if err != nil {
		return false, err
	}
	same := func(sha string) bool { // the same change on the same default branch
		have, err := repo.CommitInfo(sha)
		return err == nil && have.Tree == want.Tree && slices.Equal(have.Parents, []string{w.base})
	}
	if remoteSHA != "" && same(remoteSHA) {
		return false, nil
	}
	err = b.write(ctx, w.log.With("branch", g.branch), "force-push the branch", func() error {
		return w.git(ctx, func() error { return repo.ForcePush(ctx, g.branch) })
	})
	if err != nil {
		// Another replica may have pushed the same change a moment earlier (the
		// remote refuses a push whose old value moved): that is done, not failed.
		var now map[string]string
		ferr := w.git(ctx, func() (err error) {
			now, err = repo.FetchBranches(ctx, BumpBranchPrefix)
			return err
		})
		if ferr == nil && now[g.branch] != "" && same(now[g.branch]) {
			w.log.Info("another replica pushed the same branch", "branch", g.branch)
			return false, nil
		}
		return true, err
	}
	return true, nil
}

// closeStale closes the open bump pull requests, and deletes the branches, that no
// current image or group makes (an image removed, or grouped differently now).
func (b *GitHubBumper) closeStale(ctx context.Context, w *bumpWork, groups []*bumpGroup, branches map[string]string, res *BumpResult) error {
	current := map[string]bool{}
	for _, g := range groups {
		current[g.branch] = true
	}
	prs, err := githubapp.ListPullRequests(ctx, w.gh, w.repo.Owner, w.repo.Name, BumpBranchPrefix)
	if err != nil {
		return err
	}
	def := w.info.GetDefaultBranch()
	stale := map[string]bool{}
	for _, pr := range prs {
		branch := pr.GetHead().GetRef()
		if current[branch] {
			continue
		}
		stale[branch] = true
		br := &BumpBranch{Branch: branch, Action: actionClosed, PullRequest: pr.GetNumber()}
		err := b.write(ctx, w.log.With("branch", branch), "close the superseded pull request", func() error {
			return githubapp.ClosePullRequest(ctx, w.gh, w.repo.Owner, w.repo.Name, pr.GetNumber(), supersededComment(branch, def))
		})
		if err != nil {
			return err
		}
		b.Metrics.branch(actionClosed, b.ReadOnly)
		res.add(br)
	}
	for branch := range branches {
		if !current[branch] {
			stale[branch] = true
		}
	}
	for _, branch := range sortedKeys(stale) {
		err := b.write(ctx, w.log.With("branch", branch), "delete the superseded branch", func() error {
			return githubapp.DeleteBranch(ctx, w.gh, w.repo.Owner, w.repo.Name, branch)
		})
		if err != nil {
			return fmt.Errorf("%s: %w", branch, err)
		}
	}
	return nil
}

// write does a write to git or GitHub, or under ReadOnly logs what it would do.
func (b *GitHubBumper) write(ctx context.Context, log *slog.Logger, what string, do func() error) error {
	if b.ReadOnly {
		log.InfoContext(ctx, "read-only: would "+what)
		return nil
	}
	return do()
}

func actionName(action string, readOnly bool) string {
	if !readOnly || action == actionUnchanged || action == actionProblems || action == actionDeclined {
		return action
	}
	return "would-" + map[string]string{actionOpened: "open", actionUpdated: "update", actionClosed: "close"}[action]
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
