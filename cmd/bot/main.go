// Command kubectl-gitops-bot is the GitHub App server: one process (or several
// replicas) for every installation and repository of the App. See docs/bot.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot/statuspage"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	yaml "go.yaml.in/yaml/v3"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitcache"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/webhook"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/manifest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/netguard"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/notify"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/plancomment"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/source"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/version"
)

// defaultMaxHeaderBytes bounds a request's line and headers: GitHub's and registries'
// are a few kilobytes.
const defaultMaxHeaderBytes = 64 << 10

// envPrefix names the environment variable of each flag: --app-id is GITOPS_BOT_APP_ID.
const envPrefix = "GITOPS_BOT_"

// Options are the bot's settings.
type Options struct {
	Listen            string
	GitHubAPIURL      string
	AppID             int64
	AppPrivateKeyFile string
	WebhookSecretFile string
	Kubeconfig        string
	// ClusterAccess grants the kubeconfig's contexts to repositories; without it
	// every plan is offline.
	ClusterAccess string
	// Limits bound each target's render (--max-objects, --max-render-bytes, ...).
	Limits          manifest.Limits
	Workers         int
	QueueSize       int
	MaxCommentPages int
	MaxBody         int64
	MaxHeaderBytes  int
	LogFormat       string
	ShutdownTimeout time.Duration
	NotifyConfig    string
	// GitReadOnly computes image bumps and reports them (logs, metrics) but never
	// pushes a branch or opens, edits or closes a pull request.
	GitReadOnly bool
	AutomationOptions

	out, errOut io.Writer
	log         *slog.Logger
	key, secret []byte
	sinks       map[string]notify.Sink
	access      *bot.ClusterAccess
	board       *statuspage.Board
	gitCache    *gitcache.Cache // --git-cache-dir opened by Run: the planner's and the bumper's

	// RegistryWebhookSecretFile holds the shared secret of POST /hooks/registry.
	RegistryWebhookSecretFile string
	registrySecret            []byte

	// QueuePerInstallation bounds one installation's jobs waiting.
	QueuePerInstallation int
	// BackgroundWorkers bounds the workers that run start-up work at once.
	BackgroundWorkers int
	// JobTimeout is every job's deadline.
	JobTimeout time.Duration
	// MaxCloneBytes bounds what one clone fetches and checks out (0: no bound).
	MaxCloneBytes int64
	// GitCacheDir keeps repositories between jobs ("": a clone per job); GitCacheSize
	// is its disk budget.
	GitCacheDir  string
	GitCacheSize int64
	// DriftInterval is how often the leader checks every target with a granted cluster
	// for drift (0: off).
	DriftInterval time.Duration
	// AdminListen serves the read-only status page ("" : off).
	AdminListen string
}

// AddFlags registers the flags.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Listen, "listen", ":8080", "address to serve /webhook, /hooks/registry, /healthz, /readyz and /metrics on")
	fs.StringVar(&o.GitHubAPIURL, "github-api-url", "https://api.github.com/", "GitHub API root (GitHub Enterprise: https://HOST/api/v3)")
	fs.Int64Var(&o.AppID, "app-id", 0, "the GitHub App's id")
	fs.StringVar(&o.AppPrivateKeyFile, "app-private-key-file", "", "the GitHub App's private key (PEM)")
	fs.StringVar(&o.WebhookSecretFile, "webhook-secret-file", "", "file holding the App's webhook secret")
	fs.StringVar(&o.RegistryWebhookSecretFile, "registry-webhook-secret-file", "", "file holding the shared secret registries send to POST /hooks/registry (Authorization: Bearer SECRET, or ?token=SECRET for Docker Hub and Quay); without it that path answers 404")
	fs.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig whose contexts are the clusters that repositories target (by name)")
	fs.StringVar(&o.ClusterAccess, "cluster-access", "", "YAML file granting each kubeconfig context to repositories (owner/name globs, owners) and namespaces; a context it does not name is granted to nobody, and without it every plan is offline")
	fs.IntVar(&o.Workers, "workers", 4, "jobs run at once")
	fs.IntVar(&o.QueueSize, "queue-size", bot.DefaultQueueSize, "jobs waiting at most; when full, webhooks answer 503")
	fs.IntVar(&o.QueuePerInstallation, "queue-per-installation", bot.DefaultQueuePerInstallation, "jobs of one installation waiting at most (workers take jobs round-robin across installations); beyond it that installation's webhooks answer 503 while the others' still get in")
	fs.IntVar(&o.BackgroundWorkers, "background-workers", bot.DefaultBackgroundWorkers, "of --workers, how many may run background work at once: the image index (at start and every 30 minutes) and re-plans of stale pull requests at start; it runs only when no webhook's job waits")
	fs.DurationVar(&o.JobTimeout, "job-timeout", bot.DefaultJobTimeout, "time one queued job (a pull request's plan, an image bump from an event or a push) may run; a plan that takes longer is stopped and its pull request told so")
	fs.Int64Var(&o.MaxCloneBytes, "max-clone-bytes", bot.DefaultMaxCloneBytes, "bytes one clone may take on disk, its fetch and its files together (a pull request's head or base, a default branch to bump); a larger one fails with an error naming the repository; 0: no bound")
	fs.StringVar(&o.GitCacheDir, "git-cache-dir", "", "directory keeping one bare repository per repository between jobs, so that a plan, drift check or image bump fetches only the commits it lacks; \"\" (default): a clone per job")
	fs.Int64Var(&o.GitCacheSize, "git-cache-size", bot.DefaultGitCacheBytes, "bytes the repositories of --git-cache-dir may take; past it the least recently used ones not in use are removed; 0: no bound")
	fs.IntVar(&o.MaxCommentPages, "max-comment-pages", plancomment.DefaultMaxPages, "most comments a pull request's plan takes (the main one and its continuations); the last one says what is left out")
	fs.Int64Var(&o.MaxBody, "max-body", webhook.DefaultMaxBody, "largest webhook body accepted, in bytes (larger: 413)")
	fs.IntVar(&o.MaxHeaderBytes, "max-header-bytes", defaultMaxHeaderBytes, "largest request line and headers accepted, in bytes (larger: 431)")
	fs.DurationVar(&o.DriftInterval, "drift-interval", bot.DefaultDriftInterval, "how often one replica (the Lease's holder) live-plans every target whose cluster is granted, at its default branch's head, and reports drift (check run, issue, metrics); nothing is applied; 0 turns it off")
	fs.StringVar(&o.AdminListen, "admin-listen", "", "address of the read-only status page (GET /), apart from --listen; keep it off the internet (it names repositories, targets and clusters); \"\" turns it off")
	fs.StringVar(&o.LogFormat, "log-format", "text", "text or json")
	fs.DurationVar(&o.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "how long a shutdown waits for queued jobs")
	fs.BoolVar(&o.GitReadOnly, "git-readonly", false, "image-bump pull requests: compute and report them (logs, metrics) but never push a branch or open, edit or close a pull request")
	fs.StringVar(&o.NotifyConfig, "notify-config", "", "YAML file of notification destinations by name (name: slack+https://…), for repositories' .gitops.yaml notify:; generic ones are signed with GITOPS_NOTIFY_SECRET")
	source.AddLimitFlags(fs, &o.Limits)
	o.AutomationOptions.addFlags(fs)
}

// envName is the environment variable of a flag.
func envName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// Complete fills flags not given from the environment, then reads the key and secret.
func (o *Options) Complete(fs *pflag.FlagSet, getenv func(string) string) error {
	var errs []error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed || f.Name == "help" || f.Name == "version" {
			return
		}
		if v := getenv(envName(f.Name)); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", envName(f.Name), err))
			}
		}
	})
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	var h slog.Handler = slog.NewTextHandler(o.errOut, nil)
	if o.LogFormat == "json" {
		h = slog.NewJSONHandler(o.errOut, nil)
	}
	o.log = slog.New(h)
	return nil
}

// Validate checks the settings and reads the key and secret files.
func (o *Options) Validate() error {
	var errs []error
	if o.AppID <= 0 {
		errs = append(errs, fmt.Errorf("--app-id (%s) is required", envName("app-id")))
	}
	if o.LogFormat != "text" && o.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format %q: want text or json", o.LogFormat))
	}
	if o.MaxBody < 1 || o.MaxHeaderBytes < 1 {
		errs = append(errs, errors.New("--max-body and --max-header-bytes must be at least 1"))
	}
	if o.Workers < 1 || o.QueueSize < 1 || o.QueuePerInstallation < 1 {
		errs = append(errs, errors.New("--workers, --queue-size and --queue-per-installation must be at least 1"))
	}
	if o.BackgroundWorkers < 1 {
		errs = append(errs, errors.New("--background-workers must be at least 1"))
	}
	if o.JobTimeout <= 0 {
		errs = append(errs, errors.New("--job-timeout must be positive"))
	}
	if o.MaxCloneBytes < 0 {
		errs = append(errs, errors.New("--max-clone-bytes must not be negative (0: no bound)"))
	}
	if o.GitCacheSize < 0 {
		errs = append(errs, errors.New("--git-cache-size must not be negative (0: no bound)"))
	}
	if o.MaxCommentPages < 1 {
		errs = append(errs, fmt.Errorf("--max-comment-pages %d: want at least 1", o.MaxCommentPages))
	}
	if err := o.AutomationOptions.validate(); err != nil {
		errs = append(errs, err)
	}
	read := func(flag, path string) []byte {
		if path == "" {
			errs = append(errs, fmt.Errorf("--%s (%s) is required", flag, envName(flag)))
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("--%s: %w", flag, err))
			return nil
		}
		return b
	}
	o.key = read("app-private-key-file", o.AppPrivateKeyFile)
	secret := read("webhook-secret-file", o.WebhookSecretFile)
	o.secret = []byte(strings.TrimSpace(string(secret)))
	if secret != nil && len(o.secret) == 0 {
		errs = append(errs, fmt.Errorf("--webhook-secret-file %s is empty", o.WebhookSecretFile))
	}
	if o.RegistryWebhookSecretFile != "" {
		b := read("registry-webhook-secret-file", o.RegistryWebhookSecretFile)
		o.registrySecret = []byte(strings.TrimSpace(string(b)))
		if b != nil && len(o.registrySecret) == 0 {
			errs = append(errs, fmt.Errorf("--registry-webhook-secret-file %s is empty", o.RegistryWebhookSecretFile))
		}
	}
	if o.ClusterAccess != "" {
		o.access, errs = readClusterAccess(o.ClusterAccess, o.Kubeconfig, errs)
	}
	if o.NotifyConfig != "" {
		o.sinks, errs = readSinks(o.NotifyConfig, []byte(os.Getenv("GITOPS_NOTIFY_SECRET")), errs)
	}
	return errors.Join(errs...)
}

// readClusterAccess reads the operator's grants of the kubeconfig's contexts; a
// context the file names that the kubeconfig lacks is an error.
func readClusterAccess(file, kubeconfig string, errs []error) (*bot.ClusterAccess, []error) {
	if kubeconfig == "" {
		return nil, append(errs, fmt.Errorf("--cluster-access needs --kubeconfig (%s): the contexts it grants are the kubeconfig's", envName("kubeconfig")))
	}
	kc, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		return nil, append(errs, fmt.Errorf("--kubeconfig: %w", err))
	}
	contexts := make([]string, 0, len(kc.Contexts))
	for name := range kc.Contexts {
		contexts = append(contexts, name)
	}
	a, err := bot.ReadClusterAccess(file, contexts)
	if err != nil {
		return nil, append(errs, fmt.Errorf("--cluster-access: %w", err))
	}
	return a, errs
}

// readSinks reads the named notification destinations; errors name the entry, never
// its URL (a webhook URL is a secret).
func readSinks(file string, secret []byte, errs []error) (map[string]notify.Sink, []error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, append(errs, fmt.Errorf("--notify-config: %w", err))
	}
	var named map[string]string
	if err := yaml.Unmarshal(data, &named); err != nil {
		return nil, append(errs, fmt.Errorf("--notify-config %s: want a mapping of names to URLs", file))
	}
	sinks := map[string]notify.Sink{}
	for name, u := range named {
		s, err := notify.ParseSink(u, secret)
		if err != nil {
			errs = append(errs, fmt.Errorf("--notify-config %s: %s: %w", file, name, err))
			continue
		}
		sinks[name] = s
	}
	return sinks, errs
}

// Run serves until ctx ends, then drains the queue.
func (o *Options) Run(ctx context.Context) error {
	metrics := bot.NewMetrics()
	app, err := githubapp.NewApp(o.AppID, o.key, o.GitHubAPIURL, nil, githubapp.WithTransportWrapper(metrics.Transport))
	if err != nil {
		return err
	}
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	board := statuspage.NewBoard()
	board.GitHubURL = githubapp.WebURL(o.GitHubAPIURL)
	o.board = board
	planner := &bot.Planner{App: app, Kubeconfig: o.Kubeconfig, Access: o.access, Notify: o.sinks, MaxCommentPages: o.MaxCommentPages, MaxCloneBytes: o.MaxCloneBytes, Limits: o.Limits, Log: o.log, Board: board,
		Metrics: bot.NewPlanMetrics(metrics.Registry)}
	if o.GitCacheDir != "" {
		gc, err := gitcache.New(gitcache.Options{Dir: o.GitCacheDir, MaxBytes: o.GitCacheSize, Log: o.log.With("component", "git-cache")})
		if err != nil {
			return fmt.Errorf("--git-cache-dir: %w", err)
		}
		defer gc.Close()
		planner.GitCache = gc
		o.gitCache = gc
	}
	if o.access == nil && o.Kubeconfig != "" {
		o.log.Warn("no --cluster-access: no repository is granted a cluster, every plan is offline")
	} else if o.access != nil {
		o.log.Info("clusters granted to repositories", "contexts", o.access.Contexts())
	}
	var srv *bot.Server
	auto, err := o.newBumpScheduler(app, metrics, func(j bot.Job) error { return srv.Push(j) }, func(j bot.Job) error { return srv.PushBackground(j) })
	if err != nil {
		return err
	}
	cfg := bot.Config{
		App: app, WebhookSecret: o.secret, Workers: o.Workers, QueueSize: o.QueueSize, MaxBody: o.MaxBody,
		QueuePerInstallation: o.QueuePerInstallation, JobTimeout: o.JobTimeout, BackgroundWorkers: o.BackgroundWorkers,
		Log: o.log, Metrics: metrics, Routes: bot.NewRoutes(planner, auto, o.log),
		RegistryWebhookSecret: o.registrySecret, Board: board,
	}
	if auto != nil {
		cfg.ImagesPushed = auto.ImagesPushed
	}
	srv, err = bot.NewServer(jobCtx, cfg)
	if err != nil {
		return err
	}
	board.Queue = srv.QueueState
	autoCtx, stopAuto := context.WithCancel(jobCtx)
	defer stopAuto()
	leaders := bot.NewLeaderGroup(o.elector())
	autoDone := o.runBumpScheduler(autoCtx, auto, leaders.Elector())
	drift := &bot.DriftDetector{Planner: planner, Repos: func(ctx context.Context) ([]bot.RepoRef, error) { return bot.ListInstalledRepos(ctx, app) },
		Metrics: bot.NewDriftMetrics(metrics.Registry), Board: board, Log: o.log.With("component", "drift")}
	driftDone := make(chan struct{})
	go func() { defer close(driftDone); drift.Run(autoCtx, o.DriftInterval, leaders.Elector()) }()
	leadDone := make(chan struct{})
	go func() { defer close(leadDone); leaders.Run(autoCtx) }()
	admin, err := o.serveAdmin(board)
	if err != nil {
		return err
	}
	// No TCP keep-alive probes on accepted connections: GitHub's deliveries each come
	// on a connection of their own, closed after the answer (IdleTimeout ends idle
	// ones), and setting the probes up costs syscalls on every accept of a burst.
	lc := net.ListenConfig{KeepAlive: -1}
	ln, err := lc.Listen(ctx, "tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.Listen, err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: o.MaxHeaderBytes}
	o.log.Info("serving", "address", ln.Addr().String(), "app", o.AppID, "api", o.GitHubAPIURL, "version", version.Get().Version)
	if err := srv.Ready(ctx); err != nil {
		o.log.Warn("not ready yet", "error", err)
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	go func() {
		// What a restart or a lost delivery left undone: stale plan comments, re-planned
		// in the background, behind every webhook's job.
		n, err := planner.ReplanStale(jobCtx, srv.PushBackground)
		if err != nil {
			o.log.Warn("re-planning stale pull requests", "queued", n, "error", err)
			return
		}
		o.log.Info("re-planned stale pull requests", "queued", n)
	}()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	o.log.Info("shutting down: no new events, draining the queue", "timeout", o.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), o.ShutdownTimeout)
	defer cancel()
	stopAuto() // the scan and drift checks stop, then the lease is released for another replica
	for _, done := range []<-chan struct{}{autoDone, driftDone, leadDone} {
		select {
		case <-done:
		case <-sctx.Done():
		}
	}
	if admin != nil {
		_ = admin.Shutdown(sctx)
	}
	qerr := srv.Shutdown(sctx) // the webhook answers 503 from now on
	herr := hs.Shutdown(sctx)
	if qerr != nil {
		cancelJobs()
	}
	return errors.Join(qerr, herr)
}

// newBumper is the image-bump side of the bot (a bot.Bumper), for the
// triggers: registry events, package events, the periodic scan.
func (o *Options) newBumper(app *githubapp.App, metrics *bot.Metrics) *bot.GitHubBumper {
	return &bot.GitHubBumper{App: app, ReadOnly: o.GitReadOnly, MaxCloneBytes: o.MaxCloneBytes, GitCache: o.gitCache, Metrics: bot.NewBumpMetrics(metrics.Registry), Board: o.board, Log: o.log.With("component", "image-bump")}
}

// NewCommand is the bot's command.
func NewCommand(out, errOut io.Writer, getenv func(string) string) *cobra.Command {
	o := &Options{out: out, errOut: errOut}
	cmd := &cobra.Command{
		Use:           "kubectl-gitops-bot",
		Short:         "The kubectl-gitops GitHub App: plan comments on pull requests, for every installation",
		Long:          "The kubectl-gitops GitHub App server. Every flag can also be set by environment: --app-id is " + envName("app-id") + ".",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		Version:       version.Get().String(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Complete(cmd.Flags(), getenv); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	o.AddFlags(cmd.Flags())
	return cmd
}

func main() {
	// Before anything else starts: no repository the bot renders may make it fetch a URL.
	netguard.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := NewCommand(os.Stdout, os.Stderr, os.Getenv).ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
