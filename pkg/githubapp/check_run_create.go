package githubapp

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// CreateCheckRun makes commit r.HeadSHA of owner/repo show the check run r and
// returns the run as GitHub last answered.
//
// It is idempotent: when the newest run of the commit named r.Name has the same
// ExternalID (an event delivered again, another replica), that run is updated
// instead (created is false). An older run with that ExternalID does not count: a
// result that comes back (in sync, drift, in sync again) is a new run, so the newest
// run, the one GitHub shows, is always r. Its annotations are taken to be the first of
// r.Annotations, sent before for the same content (GitHub keeps them in order and
// never removes one), and only those beyond them are sent. To start a new run on the
// same commit, e.g. when a user asks for a re-run, give a new ExternalID.
//
// A new run gets the first 50 annotations with its creation and the others in
// updates of 50, in order (GitHub's limit per request). When one of those updates
// fails, the run made so far is returned with the error.
//
// Texts over GitHub's limits are cut with a note saying so (and a warning logged);
// r is checked before anything is sent. The token needs the checks: write
// permission: only GitHub Apps (and Actions' GITHUB_TOKEN) may write check runs.
func CreateCheckRun(ctx context.Context, gh *github.Client, owner, repo string, r CheckRun) (run *github.CheckRun, created bool, err error) {
	c, err := prepareCheckRun(owner, repo, r, true)
	if err != nil {
		return nil, false, fmt.Errorf("create check run %s on %s/%s: %w", r.Name, owner, repo, err)
	}
	c.logTruncated(ctx)
	existing, err := findCheckRun(ctx, gh, owner, repo, r)
	if err != nil {
		return nil, false, err
	}
	if existing != nil {
		held := min(existing.GetOutput().GetAnnotationsCount(), len(c.annotations))
		run, err := c.update(ctx, gh, existing.GetID(), c.annotations[held:], held)
		if run == nil {
			run = existing
		}
		return run, false, err
	}
	first, rest := splitBatch(c.annotations)
	opts := github.CreateCheckRunOptions{
		Name:       r.Name,
		HeadSHA:    r.HeadSHA,
		DetailsURL: optional(r.DetailsURL),
		ExternalID: optional(r.ExternalID),
		Status:     c.status,
		Conclusion: c.conclusion,
		Output:     c.withAnnotations(first),
	}
	if !r.StartedAt.IsZero() {
		opts.StartedAt = &github.Timestamp{Time: r.StartedAt}
	}
	if !r.CompletedAt.IsZero() {
		opts.CompletedAt = &github.Timestamp{Time: r.CompletedAt}
	}
	err = callAPI(ctx, c.what("create check run")+"@"+shortSHA(r.HeadSHA), c.hints(), func(ctx context.Context) error {
		var err error
		run, _, err = gh.Checks.CreateCheckRun(ctx, owner, repo, opts)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	run, err = c.addAnnotations(ctx, gh, run, rest, len(first))
	return run, true, err
}

// findCheckRun is the newest run of r.HeadSHA named r.Name when it has r.ExternalID
// (nil when there is none, or it has another).
func findCheckRun(ctx context.Context, gh *github.Client, owner, repo string, r CheckRun) (*github.CheckRun, error) {
	runs, err := ListCheckRunsForRef(ctx, gh, owner, repo, r.HeadSHA, r.Name)
	if err != nil {
		return nil, err
	}
	var found *github.CheckRun
	for _, run := range runs {
		if run.GetName() == r.Name && run.GetHeadSHA() == r.HeadSHA && (found == nil || run.GetID() > found.GetID()) {
			found = run
		}
	}
	if found.GetExternalID() != r.ExternalID {
		return nil, nil
	}
	return found, nil
}

// shortSHA is the abbreviated commit GitHub shows.
func shortSHA(sha string) string { return sha[:min(len(sha), 7)] }
