package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/githubtest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images/imagestest"
)

// indexBuiltLog is the bot's log line when an index build has read every repository.
const indexBuiltLog = "image automation: index built"

// startRun is one start of the bot over every repository of every installation.
type startRun struct {
	name string
	// toIndex is the time from the process's start to its "index built" log line.
	toIndex time.Duration
	// sentAfter is when the pull request event was sent after the start; atStart the
	// time from it to the comment.
	sentAfter, atStart time.Duration
	// idle is the same event once the index is built (0: not measured in this run).
	idle time.Duration
	// reads are the index's reads by outcome (gitops_bot_automation_index_reads_total).
	read, unchanged, failed float64
	// apiCalls are the fake GitHub's calls until the index was built; notModified the
	// 304 answers among them.
	apiCalls, notModified int
	// peak is VmHWM when the index was built (the peak of the whole start-up); after
	// is VmRSS after it and the pull request events.
	peak, after int64
	log         string
}

// startupResult is what the start-up step measured.
type startupResult struct {
	repos, automated, moved int
	cacheBytes              int64
	peer, cold, warm        startRun
}

// startupCommits are the two commits every repository of the start-up step has:
// main, and next, which the moved repositories' main becomes before the warm start.
type startupCommits struct{ main, next string }

// measureStartup starts the built bot three times over c.installations ×
// c.reposPer real repositories (git http-backend, a bare repository each; the first
// is the 100-object live repository): without --git-cache-dir (today's full-clone
// start-up, the peer), then on an empty cache directory (cold), then again on the
// same directory after 1% of the repositories' default branches moved (warm). Each
// time a pull request event is sent 1 s after the start, during the index build.
func measureStartup(ctx context.Context, cl *cleanups, c config, fx *fixture, example map[string]any, work string) (*startupResult, error) {
	dir := filepath.Join(work, "startup")
	bin, err := buildBot(ctx, dir)
	if err != nil {
		return nil, err
	}
	res := &startupResult{repos: c.installations * c.reposPer}
	status("start-up: creating %d repositories", res.repos)
	gh, bares, commits, err := startupRepos(cl, c, fx, dir)
	if err != nil {
		return nil, err
	}
	res.automated = res.repos - 1
	cache := filepath.Join(dir, "git-cache")
	number := 100
	run := func(name string, idle bool, args ...string) (startRun, error) {
		status("start-up: %s", name)
		number += 10
		return startOnce(ctx, bin, gh, fx, example, dir, name, number, idle, args...)
	}
	if res.peer, err = run("without --git-cache-dir (today's full clones)", false); err != nil {
		return nil, err
	}
	if res.cold, err = run("cold --git-cache-dir", true, "--git-cache-dir", cache); err != nil {
		return nil, err
	}
	res.cacheBytes = dirBytes(cache)
	res.moved = max(1, len(bares)/100)
	for _, b := range bares[len(bares)-res.moved:] {
		if _, err := gitrepotest.Run("", "--git-dir", b, "update-ref", "refs/heads/main", commits.next); err != nil {
			return nil, err
		}
	}
	if res.warm, err = run(fmt.Sprintf("warm --git-cache-dir, %d default branches moved", res.moved), false, "--git-cache-dir", cache); err != nil {
		return nil, err
	}
	return res, nil
}

// buildBot builds cmd/bot as the release does into dir.
func buildBot(ctx context.Context, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "kubectl-gitops-bot")
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./cmd/bot")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/bot: %w: %s", err, out)
	}
	return bin, nil
}

// startupRepos makes one bare repository (main and next: .gitops.yaml, 100 objects,
// two automated Deployments whose image next changes) and copies it for every
// repository but the first, which is the live repository; the fake GitHub serves
// them all. It returns the copies' directories.
func startupRepos(cl *cleanups, c config, fx *fixture, dir string) (*githubtest.Server, []string, startupCommits, error) {
	var commits startupCommits
	root := filepath.Join(dir, "git")
	srv, err := gitrepotest.NewHTTPServer(root)
	if err != nil {
		return nil, nil, commits, err
	}
	cl.Cleanup(srv.Close)
	wt, template := filepath.Join(dir, "template"), filepath.Join(dir, "template.git")
	if _, err := gitrepotest.Run("", "init", "-q", "-b", "main", wt); err != nil {
		return nil, nil, commits, err
	}
	if _, err := gitrepotest.Run("", "init", "-q", "--bare", "-b", "main", template); err != nil {
		return nil, nil, commits, err
	}
	if err := likeGitHub(template); err != nil {
		return nil, nil, commits, err
	}
	for i, branch := range []string{"main", "next"} {
		files := withConfig(objects(c.objects, false), "")
		files["deploy/apps.yaml"] = imagestest.AutomatedDeployment("web", fmt.Sprintf("registry.example/team/web-%d:1.0.0", i)) +
			imagestest.AutomatedDeployment("worker", "registry.example/team/worker:1.0.0")
		if err := writeFiles(wt, files); err != nil {
			return nil, nil, commits, err
		}
		for _, args := range [][]string{{"add", "-A"}, {"commit", "-q", "-m", branch}, {"push", "-q", template, "HEAD:refs/heads/" + branch}} {
			if _, err := gitrepotest.Run(wt, args...); err != nil {
				return nil, nil, commits, err
			}
		}
		sha, err := gitrepotest.Run(wt, "rev-parse", "HEAD")
		if err != nil {
			return nil, nil, commits, err
		}
		if branch == "main" {
			commits.main = strings.TrimSpace(sha)
		} else {
			commits.next = strings.TrimSpace(sha)
		}
	}
	installs := map[int64][]string{}
	var repos []gitRepo
	var bares []string
	for i := 1; i <= c.installations; i++ {
		for j := range c.reposPer {
			r := gitRepo{owner: fmt.Sprintf("org-%03d", i), name: fmt.Sprintf("repo-%02d", j)}
			if i == 1 && j == 0 {
				r = fx.live
			} else {
				r.bare = filepath.Join(root, r.owner, r.name+".git")
				r.cloneURL = srv.URL + "/" + r.owner + "/" + r.name + ".git"
				if err := os.CopyFS(r.bare, os.DirFS(template)); err != nil {
					return nil, nil, commits, fmt.Errorf("copy the template repository to %s: %w", r.bare, err)
				}
				bares = append(bares, r.bare)
			}
			installs[int64(i)] = append(installs[int64(i)], r.full())
			repos = append(repos, r)
		}
	}
	gh, err := newGitHub(cl, false, &fx.key.PublicKey, installs, repos...)
	return gh, bares, commits, err
}

// startOnce starts the bot with args, sends pull request number of the live
// repository 1 s after the start, waits for its comment and for the index to be
// built (and with idle, times the same event once more), reads the index's metrics
// and the RSS, and stops the bot with SIGTERM.
func startOnce(ctx context.Context, bin string, gh *githubtest.Server, fx *fixture, example map[string]any, dir, name string, number int, idle bool, args ...string) (run startRun, err error) {
	run.name = name
	keyFile, secretFile, accessFile := filepath.Join(dir, "app.pem"), filepath.Join(dir, "webhook-secret"), filepath.Join(dir, "cluster-access.yaml")
	for file, content := range map[string][]byte{keyFile: fx.keyPEM, secretFile: webhookSecret, accessFile: []byte(clusterAccess)} {
		if err := os.WriteFile(file, content, 0o600); err != nil {
			return run, err
		}
	}
	addr, err := freeAddr()
	if err != nil {
		return run, err
	}
	run.log = filepath.Join(dir, fmt.Sprintf("bot-%d.log", number))
	logf, err := os.Create(run.log)
	if err != nil {
		return run, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, append([]string{"--listen", addr, "--github-api-url", gh.URL + "/", "--app-id", strconv.Itoa(appID),
		"--app-private-key-file", keyFile, "--webhook-secret-file", secretFile, "--kubeconfig", fx.kubeconfig, "--cluster-access", accessFile,
		"--automation-interval", "0", "--log-format", "json"}, args...)...)
	cmd.Env = os.Environ()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return run, err
	}
	calls := len(gh.Calls())
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return run, err
	}
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		return cmd.Wait()
	}
	defer func() { _ = stop() }()
	indexed := make(chan time.Time, 1)
	go watchTime(stderr, logf, indexBuiltLog, indexed)
	url := "http://" + addr + "/webhook"
	err = waitHealthy(ctx, addr)
	if err != nil {
		return run, fmt.Errorf("%s: the bot's /healthz: %w", name, err)
	}
	time.Sleep(time.Until(started.Add(time.Second)))
	run.sentAfter = time.Since(started)
	if run.atStart, _, err = eventToComment(ctx, gh, url, example, fx.live, number); err != nil {
		return run, fmt.Errorf("%s: a pull request event 1 s after start: %w (log: %s)", name, err, run.log)
	}
	select {
	case at := <-indexed:
		run.toIndex = at.Sub(started)
	case <-time.After(15 * time.Minute):
		return run, fmt.Errorf("%s: the index was not built within 15 minutes (log: %s)", name, run.log)
	case <-ctx.Done():
		return run, ctx.Err()
	}
	all := gh.Calls()[calls:]
	run.apiCalls = len(all)
	for _, c := range all {
		if c.Status == http.StatusNotModified {
			run.notModified++
		}
	}
	pid := cmd.Process.Pid
	mem, err := readMem(pid)
	if err != nil {
		return run, err
	}
	run.peak = mem.hwm
	if idle {
		if run.idle, _, err = eventToComment(ctx, gh, url, example, fx.live, number+1); err != nil {
			return run, fmt.Errorf("%s: a pull request event on the idle bot: %w", name, err)
		}
	}
	m, err := scrape("http://" + addr + "/metrics")
	if err != nil {
		return run, err
	}
	run.read = m[`gitops_bot_automation_index_reads_total{outcome="read"}`]
	run.unchanged = m[`gitops_bot_automation_index_reads_total{outcome="unchanged"}`]
	run.failed = m[`gitops_bot_automation_index_reads_total{outcome="failed"}`]
	if mem, err = readMem(pid); err != nil {
		return run, err
	}
	run.after = mem.rss
	run.peak = max(run.peak, mem.hwm)
	if err := stop(); err != nil {
		return run, fmt.Errorf("%s: the bot exited with %w after SIGTERM (log: %s)", name, err, run.log)
	}
	return run, nil
}

// watchTime copies the bot's log to w and sends the time of the first line holding msg.
func watchTime(r io.Reader, w io.Writer, msg string, at chan<- time.Time) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	done := false
	for sc.Scan() {
		fmt.Fprintln(w, sc.Text())
		if !done && strings.Contains(sc.Text(), msg) {
			at <- time.Now()
			done = true
		}
	}
}

// dirBytes is the size of the files under dir.
func dirBytes(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
