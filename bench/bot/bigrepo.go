package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/internal/benchmain"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitcache"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// bigrepoConfig sizes the big repository phase (issue 16).
type bigrepoConfig struct {
	enabled                 bool
	commits, files, objects int
	runs                    int
	cpuProfile              string
}

func bigrepoFlags(b *bigrepoConfig) {
	flag.BoolVar(&b.enabled, "bigrepo", false, "also run the big repository phase after the others (-only bigrepo: it alone)")
	flag.IntVar(&b.commits, "bigrepo-commits", 5000, "commits of the big repository's main")
	flag.IntVar(&b.files, "bigrepo-files", 10000, "files of the big repository (manifests, .gitops.yaml, unrelated files)")
	flag.IntVar(&b.objects, "bigrepo-objects", 1000, "objects of its target (one manifest each)")
	flag.StringVar(&b.cpuProfile, "bigrepo-cpuprofile", "", "write a CPU profile of this process (the bot, in process) over the jobs with the git cache")
	flag.IntVar(&b.runs, "bigrepo-runs", 5, "timed pull request pushes per peer (the median is shown)")
}

// bigResult is what the big repository phase measured.
type bigResult struct {
	cfg                 bigrepoConfig
	files               int
	generate, apply     time.Duration
	cached, uncached    []time.Duration // event → comment, warm git cache / a clone per job
	cachedCold          time.Duration   // the first job of the cached bot: the cache fills
	cachedBytes         []int64         // fetched per warm job
	cachedColdBytes     int64
	uncachedBytes       []int64
	status              string
	fullClone, shallow  []time.Duration // git CLI
	fullBytes, shallowB int64
	kubectl             peer
}

// runBigRepoOnly is -only bigrepo: the control plane, then the phase.
func runBigRepoOnly(ctx context.Context, c config, out io.Writer, env environment) (err error) {
	work, done, err := benchmain.WorkDir("bench-bot-", c.keep, out)
	if err != nil {
		return err
	}
	defer done()
	cl := &cleanups{}
	defer cl.run()
	tc, stopCluster, err := benchmain.StartCluster(ctx, work)
	if err != nil {
		return err
	}
	defer stopCluster(&err)
	res, err := measureBigRepo(ctx, cl, c, tc.Kubeconfig, work)
	if err != nil {
		return err
	}
	env.loadEnd = loadAvg()
	reportHeader(out, env)
	bigRows(out, res)
	reportBigRepo(out, c, res)
	return nil
}

// measureBigRepo generates the big repository, applies its main, and times pull
// request pushes (a new head each) from the event to the comment by the bot with
// its git cache (warm after the first) and by the bot without one (a clone per
// job), counting the bytes git http-backend answers per job; then the git CLI's
// full and depth-1 clones and kubectl diff of the same target.
func measureBigRepo(ctx context.Context, cl *cleanups, c config, kubeconfig, work string) (*bigResult, error) {
	b := c.bigrepo
	res := &bigResult{cfg: b}
	status("big repository: generating %d commits, %d files (%d-object target)", b.commits, b.files, b.objects)
	t0 := time.Now()
	heads := 2*b.runs + 1
	br, err := newBigRepo(cl, work, b, heads)
	if err != nil {
		return nil, err
	}
	res.generate, res.files = time.Since(t0), br.files

	// main applied: a checkout of it, by the CLI (not timed, not counted).
	mainDir := filepath.Join(work, "bigrepo-main")
	if _, err := gitrepotest.Run("", "clone", "-q", "--depth", "1", "--branch", "main", "file://"+br.repo.bare, mainDir); err != nil {
		return nil, err
	}
	status("big repository: applying its %d objects", b.objects)
	t0 = time.Now()
	if err := gitops(ctx, kubeconfig, "apply", mainDir, "--path", "deploy", "--applyset", bigNamespace, "--progress", "none"); err != nil {
		return nil, err
	}
	res.apply = time.Since(t0)

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	gh, err := newGitHub(cl, c.checked, &key.PublicKey, map[int64][]string{1: {br.repo.full()}}, br.repo)
	if err != nil {
		return nil, err
	}
	app, err := githubapp.NewApp(appID, keyPEM, gh.URL, nil)
	if err != nil {
		return nil, err
	}
	access, err := bot.ParseClusterAccess("cluster-access.yaml",
		[]byte("clusters:\n  testcluster:\n    repositories: [acme/bigfleet]\n    namespaces: [\"*\"]\n"), []string{"testcluster"})
	if err != nil {
		return nil, err
	}
	example, err := pullRequestExample()
	if err != nil {
		return nil, err
	}
	cache, err := gitcache.New(gitcache.Options{Dir: filepath.Join(work, "bigrepo-gitcache"), WorkDir: work})
	if err != nil {
		return nil, err
	}
	defer cache.Close()

	number, head := 0, 0
	// pushes times runs pull request pushes (new heads) through a bot whose planner
	// has cache (nil: a clone per job).
	pushes := func(cache *gitcache.Cache, runs int, took *[]time.Duration, fetched *[]int64) error {
		quiet := slog.New(slog.DiscardHandler)
		planner := &bot.Planner{App: app, Kubeconfig: kubeconfig, Access: access, CacheDir: filepath.Join(work, "bigrepo-discovery"), Log: quiet}
		if cache != nil {
			planner.GitCache = cache
			if b.cpuProfile != "" {
				f, err := os.Create(b.cpuProfile)
				if err != nil {
					return err
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
		}
		jobCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		srv, err := bot.NewServer(jobCtx, bot.Config{App: app, WebhookSecret: webhookSecret, Workers: 2, QueueSize: 50,
			Log: quiet, Routes: bot.NewRoutes(planner, nil, quiet)})
		if err != nil {
			return err
		}
		hs := httptest.NewServer(srv.Handler())
		defer hs.Close()
		for range runs {
			number++
			r := br.repo
			r.headSHA = br.heads[head]
			head++
			if err := br.push(r.headSHA); err != nil {
				return err
			}
			before := br.served.bytes.Load()
			d, st, err := eventToComment(ctx, gh, hs.URL+"/webhook", example, r, number)
			if err != nil {
				return err
			}
			*took = append(*took, d)
			*fetched = append(*fetched, br.served.bytes.Load()-before)
			res.status = st
		}
		sctx, scancel := context.WithTimeout(ctx, time.Minute)
		defer scancel()
		return srv.Shutdown(sctx)
	}
	status("big repository: %d pushes through the bot with its git cache", b.runs+1)
	var took []time.Duration
	var fetched []int64
	if err := pushes(cache, b.runs+1, &took, &fetched); err != nil {
		return nil, err
	}
	res.cachedCold, res.cachedColdBytes = took[0], fetched[0]
	res.cached, res.cachedBytes = took[1:], fetched[1:]
	status("big repository: %d pushes through the bot without a git cache", b.runs)
	if err := pushes(nil, b.runs, &res.uncached, &res.uncachedBytes); err != nil {
		return nil, err
	}

	status("big repository: git clone, full and --depth 1, %d each", b.runs)
	clone := func(i int, args ...string) (time.Duration, int64, error) {
		dir := filepath.Join(work, fmt.Sprintf("bigrepo-clone-%d", i))
		defer os.RemoveAll(dir)
		before := br.served.bytes.Load()
		t0 := time.Now()
		if _, err := gitrepotest.Run("", append(append([]string{"clone", "-q"}, args...), br.repo.cloneURL, dir)...); err != nil {
			return 0, 0, err
		}
		return time.Since(t0), br.served.bytes.Load() - before, nil
	}
	for i := range b.runs {
		d, n, err := clone(i, "--bare")
		if err != nil {
			return nil, err
		}
		res.fullClone, res.fullBytes = append(res.fullClone, d), n
		d, n, err = clone(i, "--depth", "1", "--branch", "feature")
		if err != nil {
			return nil, err
		}
		res.shallow, res.shallowB = append(res.shallow, d), n
	}

	if c.kubectl != "" {
		status("big repository: kubectl diff --server-side of the head's %d objects", b.objects)
		headDir := filepath.Join(work, "bigrepo-head")
		if _, err := gitrepotest.Run("", "clone", "-q", "--depth", "1", "--branch", "feature", "file://"+br.repo.bare, headDir); err != nil {
			return nil, err
		}
		p := peer{args: []string{"--kubeconfig", kubeconfig, "diff", "-f", filepath.Join(headDir, "deploy"), "-R", "--server-side", "--force-conflicts"}}
		d, err := kubectlDiff(ctx, c.kubectl, p.args)
		if err != nil {
			p.err = err.Error()
		} else {
			p.times = append(p.times, d)
		}
		res.kubectl = p
	}
	return res, nil
}

// medianBytes is the median of ns.
func medianBytes(ns []int64) int64 {
	ds := make([]time.Duration, len(ns))
	for i, n := range ns {
		ds[i] = time.Duration(n)
	}
	return int64(median(ds))
}

// bigRows prints the phase's rows of the table of targets.
func bigRows(out io.Writer, res *bigResult) {
	b := res.cfg
	med := median(res.cached)
	row(out, fmt.Sprintf("PR event → comment, live plan, %d-object target in %d commits × %d files, warm git cache (p50 of %d)",
		b.objects, b.commits, res.files, len(res.cached)), "< 1 s", secs(med), med < time.Second)
	warm := max(medianBytes(res.cachedBytes), 1)
	ratio := float64(res.fullBytes) / float64(warm)
	row(out, "bytes fetched per job: a full clone ÷ the warm git cache", "≥ 50×",
		fmt.Sprintf("%.0f× (%s ÷ %s)", ratio, kib(int(res.fullBytes)), kib(int(warm))), ratio >= 50)
}

// reportBigRepo prints what the big repository phase did.
func reportBigRepo(out io.Writer, c config, res *bigResult) {
	b := res.cfg
	fmt.Fprintf(out, "\n## Big repository\n\n")
	fmt.Fprintf(out, "A repository generated by git fast-import in %s: main has %d commits and %d files (%d manifests of one target, one\n",
		secs(res.generate), b.commits, res.files, b.objects)
	fmt.Fprintf(out, "object each, .gitops.yaml, the rest unrelated ~1 KiB files; each later commit changes 2 of them), repacked with bitmaps and\n")
	fmt.Fprintf(out, "served by git http-backend on loopback behind a counter of the bytes it answers. Main applied by kubectl-gitops in %s.\n", secs(res.apply))
	fmt.Fprintf(out, "Each run is a push to a pull request: a new head changing the same 3 manifests again, its event delivered to bot.Server\n")
	fmt.Fprintf(out, "(the bot's own handlers, live plan against the local control plane) and timed until the sticky comment exists.\n\n")
	fmt.Fprintln(out, "| | median | runs | bytes fetched per job (median) | full clone ÷ this |")
	fmt.Fprintln(out, "|---|---|---|---|---|")
	line := func(what string, ds []time.Duration, n int64) {
		fmt.Fprintf(out, "| %s | %s | %s | %s | %.0f× |\n", what, secs(median(ds)), list(ds), kib(int(n)), float64(res.fullBytes)/float64(max(n, 1)))
	}
	line("bot with its git cache, warm (--git-cache-dir)", res.cached, medianBytes(res.cachedBytes))
	fmt.Fprintf(out, "| the same, first job (cache empty) | %s | | %s | |\n", secs(res.cachedCold), kib(int(res.cachedColdBytes)))
	line("bot without a git cache (a clone per job, as before)", res.uncached, medianBytes(res.uncachedBytes))
	line("`git clone --bare` (full history, git CLI; no plan)", res.fullClone, res.fullBytes)
	line("`git clone --depth 1 --branch feature` (git CLI; no plan)", res.shallow, res.shallowB)
	if p := res.kubectl; len(p.args) > 0 {
		if p.err != "" {
			fmt.Fprintf(out, "| `kubectl diff --server-side` of the head's deploy/ | not timed: %s | | | |\n", p.err)
		} else {
			fmt.Fprintf(out, "| `kubectl diff -f deploy -R --server-side --force-conflicts` (files checked out; no git, no GitHub) | %s | %s | | |\n",
				secs(median(p.times)), list(p.times))
		}
	}
	fmt.Fprintf(out, "\ngitops/plan status: %q\n", res.status)
}

// runBigRepo is the phase in a whole run (-bigrepo), on the run's control plane,
// with its own table of targets.
func runBigRepo(ctx context.Context, cl *cleanups, c config, kubeconfig, work string, out io.Writer) error {
	res, err := measureBigRepo(ctx, cl, c, kubeconfig, work)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n| what | target | measured | |\n|---|---|---|---|\n")
	bigRows(out, res)
	reportBigRepo(out, c, res)
	return nil
}
