package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/netguard"
)

// planResult is what the event-to-comment step measured.
type planResult struct {
	live, offline         []time.Duration // warm runs
	liveCold, offlineCold time.Duration   // the first run of each: token, discovery, App slug
	liveStatus            string
	offlineStatus         string
	kubectl               []peer
	kubectlVersion        string
	changed               int // objects the pull request changes
}

// measureComments times pull request events through a bot.Server with the bot's
// own handlers (bot.NewRoutes): from the webhook POST to the sticky comment
// existing in the fake GitHub. Each run is a new pull request of the same head, so
// each posts a new comment. Then `kubectl diff -f` of the head's files, the naive
// peer, on the same cluster.
func measureComments(ctx context.Context, cl *cleanups, c config, fx *fixture, example map[string]any, work string) (*planResult, error) {
	gh, err := newGitHub(cl, c.checked, &fx.key.PublicKey, map[int64][]string{1: {fx.live.full(), fx.offline.full()}}, fx.live, fx.offline)
	if err != nil {
		return nil, err
	}
	app, err := githubapp.NewApp(appID, fx.keyPEM, gh.URL, nil)
	if err != nil {
		return nil, err
	}
	quiet := slog.New(slog.DiscardHandler)
	jobCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	access, err := bot.ParseClusterAccess("cluster-access.yaml", []byte(clusterAccess), []string{"testcluster"})
	if err != nil {
		return nil, err
	}
	planner := &bot.Planner{App: app, Kubeconfig: fx.kubeconfig, Access: access, CacheDir: filepath.Join(work, "bot-cache"), Log: quiet}
	srv, err := bot.NewServer(jobCtx, bot.Config{App: app, WebhookSecret: webhookSecret, Workers: 2, QueueSize: 50,
		Log: quiet, Routes: bot.NewRoutes(planner, nil, quiet)})
	if err != nil {
		return nil, err
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()

	res := &planResult{changed: fx.changed}
	number := 0
	for i := range c.runs + 1 {
		for _, r := range []gitRepo{fx.live, fx.offline} {
			number++
			d, st, err := eventToComment(ctx, gh, hs.URL+"/webhook", example, r, number)
			if err != nil {
				return nil, err
			}
			switch {
			case r == fx.live && i == 0:
				res.liveCold, res.liveStatus = d, st
			case r == fx.live:
				res.live = append(res.live, d)
			case i == 0:
				res.offlineCold, res.offlineStatus = d, st
			default:
				res.offline = append(res.offline, d)
			}
		}
	}
	sctx, scancel := context.WithTimeout(ctx, time.Minute)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		return nil, err
	}

	if c.kubectl != "" {
		v, _ := exec.CommandContext(ctx, c.kubectl, "version", "--client").Output()
		res.kubectlVersion, _, _ = strings.Cut(strings.TrimSpace(string(v)), "\n")
		for _, extra := range [][]string{nil, {"--server-side", "--force-conflicts"}} {
			p := peer{args: append([]string{"--kubeconfig", fx.kubeconfig, "diff", "-f", filepath.Join(fx.headDir, "deploy"), "-R"}, extra...)}
			for range c.runs {
				d, err := kubectlDiff(ctx, c.kubectl, p.args)
				if err != nil {
					p.err = err.Error()
					break
				}
				p.times = append(p.times, d)
			}
			res.kubectl = append(res.kubectl, p)
		}
	}
	return res, nil
}

// eventToComment opens pull request number of r at its head, delivers its event and
// waits for the bot's comment; it returns that time and the final gitops/plan
// status once the job is done.
func eventToComment(ctx context.Context, gh *githubtest.Server, url string, example map[string]any, r gitRepo, number int) (time.Duration, string, error) {
	gh.SetPullRequest(r.full(), githubtest.PullRequest{Number: number, User: "alice", HeadSHA: r.headSHA, HeadRef: "feature", BaseRef: "main", BaseSHA: r.mainSHA})
	body, err := prPayload(example, r.owner, r.name, number, r.headSHA, 1)
	if err != nil {
		return 0, "", err
	}
	statuses := len(gh.Statuses(r.full(), r.headSHA))
	start := time.Now()
	code, _, err := deliver(ctx, netguard.Client(), url, "pull_request", fmt.Sprintf("plan-%d", number), body)
	if err != nil {
		return 0, "", err
	}
	if code != http.StatusAccepted {
		return 0, "", fmt.Errorf("pull request %s#%d: the webhook answered %d", r.full(), number, code)
	}
	if err := waitFor(ctx, 3*time.Minute, func() bool { return len(gh.Comments(r.full(), number)) > 0 }); err != nil {
		return 0, "", fmt.Errorf("the comment on %s#%d: %w", r.full(), number, err)
	}
	took := time.Since(start)
	var last githubtest.Status
	err = waitFor(ctx, 3*time.Minute, func() bool {
		st := gh.Statuses(r.full(), r.headSHA)
		if len(st) < statuses+2 {
			return false
		}
		last = st[len(st)-1]
		return last.State != "pending"
	})
	if err != nil {
		return 0, "", fmt.Errorf("the gitops/plan status of %s#%d: %w", r.full(), number, err)
	}
	if last.State != "success" {
		return 0, "", fmt.Errorf("%s#%d planned with status %s %q:\n%s", r.full(), number, last.State, last.Description, gh.Comments(r.full(), number)[0].Body)
	}
	return took, last.Description, nil
}

// waitFor polls cond every 2 ms until it holds or timeout passes.
func waitFor(ctx context.Context, timeout time.Duration, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("not within %s: %w", timeout, ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

// peer is the naive approach, timed.
type peer struct {
	args  []string
	times []time.Duration
	err   string
}

// kubectlDiff times one kubectl diff, which must find differences (exit code 1).
func kubectlDiff(ctx context.Context, kubectl string, args []string) (time.Duration, error) {
	start := time.Now()
	out, err := exec.CommandContext(ctx, kubectl, args...).CombinedOutput()
	d := time.Since(start)
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, errors.New("kubectl diff found no difference")
	case errors.As(err, &ee) && ee.ExitCode() == 1:
		return d, nil
	default:
		return 0, fmt.Errorf("%w: %.300s", err, out)
	}
}
