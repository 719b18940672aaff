package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot/statuspage"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/webhook"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/registryevent"
)

// Config is what a Server needs.
type Config struct {
	App           *githubapp.App
	WebhookSecret []byte
	// MaxBody bounds webhook bodies (default webhook.DefaultMaxBody).
	MaxBody   int64
	Workers   int
	QueueSize int
	Log       *slog.Logger
	Metrics   *Metrics
	// Routes by event name (NewRoutes); events without one are acknowledged and
	// ignored.
	Routes Routes
	// ImagesPushed receives the images that registries (POST /hooks/registry) and GHCR
	// (package events) report pushed. It must be quick: it queues the work. An error
	// wrapping ErrQueueFull is answered 503.
	ImagesPushed func(ctx context.Context, events []registryevent.Event) error
	// RegistryWebhookSecret authenticates POST /hooks/registry, registry push
	// notifications (registryevent.Handler); without it that path answers 404. It
	// needs ImagesPushed.
	RegistryWebhookSecret []byte
	// RegistryMaxBody bounds registry notification bodies (default
	// registryevent.DefaultMaxBody).
	RegistryMaxBody int64

	// QueuePerInstallation bounds the jobs waiting of one installation (default
	// DefaultQueuePerInstallation); beyond it that installation's webhooks are
	// answered 503 while the others' still get in.
	QueuePerInstallation int
	// JobTimeout is the deadline of every job from its start (0: none); a plan that
	// runs out of time says so on its pull request.
	JobTimeout time.Duration
	// BackgroundWorkers bounds the workers that run background jobs (PushBackground)
	// at once (default DefaultBackgroundWorkers, at most Workers).
	BackgroundWorkers int
	// Board, when set, shows the jobs that failed on the status page.
	Board *statuspage.Board
	// StartHold is the longest a job's start is held back while webhook deliveries
	// or registry notifications are being answered (default DefaultStartHold;
	// negative: never held back): a burst is acknowledged before its jobs, or others,
	// take the CPUs.
	StartHold time.Duration
}

// Server is the bot's HTTP side: POST /webhook, POST /hooks/registry (with a registry
// webhook secret), /healthz, /readyz and /metrics, in front of the work queue.
type Server struct {
	cfg      Config
	queue    *Queue
	webhook  *webhook.Handler
	inFlight *InFlight // requests being answered: the queue's start gate

	readyMu  sync.Mutex
	readyAt  time.Time
	readyErr error
	readyTTL time.Duration
	appSlug  string
	shutdown bool

	registry *registryevent.Handler // nil without a registry webhook secret
}

// NewServer starts the queue's workers; jobs run with ctx.
func NewServer(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics()
	}
	if cfg.StartHold == 0 {
		cfg.StartHold = DefaultStartHold
	}
	s := &Server{cfg: cfg, readyTTL: time.Minute, inFlight: &InFlight{Quiet: DefaultQuiet}}
	cfg.Metrics.inFlight.Store(s.inFlight)
	s.queue = NewQueue(ctx, cfg.QueueSize, cfg.Workers, cfg.Log, cfg.Metrics.Queue(),
		WithPerInstallation(cfg.QueuePerInstallation), WithJobTimeout(cfg.JobTimeout), WithBackground(cfg.BackgroundWorkers, 0),
		WithStartGate(s.inFlight, cfg.StartHold), WithFailed(func(j Job, err error) {
			if cfg.Board != nil {
				cfg.Board.RecordError(j.Key, j.Kind, err.Error())
			}
		}))
	if err := s.addImageTriggers(); err != nil {
		return nil, err
	}
	cfg = s.cfg // with the package event routes
	opts := []webhook.Option{
		webhook.WithEvents(cfg.Routes.Events()...),
		webhook.WithLogger(cfg.Log),
		webhook.WithObserver(cfg.Metrics.Delivery),
	}
	if cfg.MaxBody > 0 {
		opts = append(opts, webhook.WithMaxBody(cfg.MaxBody))
	}
	wh, err := webhook.NewHandler(cfg.WebhookSecret, s.dispatch, opts...)
	if err != nil {
		return nil, err
	}
	s.webhook = wh
	return s, nil
}

// dispatch queues the job of an event; a full or closing queue makes the webhook
// answer 503.
func (s *Server) dispatch(_ context.Context, ev webhook.Event) error {
	h := s.cfg.Routes[ev.Name]
	if h == nil {
		return nil
	}
	job, ok := h(ev)
	if !ok {
		return nil
	}
	if err := s.queue.Push(job); err != nil {
		return fmt.Errorf("%w: %w", webhook.ErrBusy, err)
	}
	return nil
}

// QueueState is the work queue's state, for the status page.
func (s *Server) QueueState() statuspage.Queue { return s.queue.State() }

// Push queues a job that no event brought but that someone waits for (a registry
// event's bump). It counts against j.Installation's share of the queue like a
// webhook's job.
func (s *Server) Push(j Job) error { return s.queue.Push(j) }

// PushBackground queues work nobody waits for (the image index, re-plans of stale
// pull requests at start): it runs only when no webhook's job can start, on at most
// Config.BackgroundWorkers workers, and never makes a webhook answer 503.
func (s *Server) PushBackground(j Job) error { return s.queue.PushBackground(j) }

// addImageTriggers wires ImagesPushed to its triggers: GHCR's package events on
// /webhook (unless Routes has its own for them) and, with a registry webhook
// secret, POST /hooks/registry.
func (s *Server) addImageTriggers() error {
	if s.cfg.ImagesPushed == nil {
		if len(s.cfg.RegistryWebhookSecret) > 0 {
			return errors.New("a registry webhook secret is set, but nothing takes the images pushed (no image automation)")
		}
		return nil
	}
	s.cfg.Routes = s.cfg.Routes.withImagesPushed(s.cfg.ImagesPushed, s.cfg.Log)
	if len(s.cfg.RegistryWebhookSecret) == 0 {
		return nil
	}
	dispatch := func(ctx context.Context, evs []registryevent.Event) error {
		err := s.cfg.ImagesPushed(ctx, evs)
		if errors.Is(err, ErrQueueFull) || errors.Is(err, ErrQueueClosed) {
			return fmt.Errorf("%w: %w", registryevent.ErrBusy, err)
		}
		return err
	}
	opts := []registryevent.Option{registryevent.WithLogger(s.cfg.Log), registryevent.WithObserver(s.cfg.Metrics.RegistryNotification)}
	if s.cfg.RegistryMaxBody > 0 {
		opts = append(opts, registryevent.WithMaxBody(s.cfg.RegistryMaxBody))
	}
	h, err := registryevent.NewHandler(s.cfg.RegistryWebhookSecret, dispatch, opts...)
	if err != nil {
		return err
	}
	s.registry = h
	return nil
}

// Handler serves the bot's endpoints.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/webhook", s.inFlight.Track(s.webhook))
	if s.registry != nil {
		mux.Handle("/hooks/registry", s.inFlight.Track(s.registry))
	}
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := s.Ready(r.Context()); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.Handle("/metrics", promhttp.HandlerFor(s.cfg.Metrics.Registry, promhttp.HandlerOpts{}))
	return mux
}

// Ready reports whether the bot can work: the queue runs and the App's key works
// (asked of GitHub at most once a minute).
func (s *Server) Ready(ctx context.Context) error {
	s.readyMu.Lock()
	defer s.readyMu.Unlock()
	if s.shutdown {
		return errors.New("shutting down")
	}
	if s.cfg.App == nil {
		return errors.New("no GitHub App configured")
	}
	if time.Since(s.readyAt) < s.readyTTL {
		return s.readyErr
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s.appSlug, s.readyErr = s.cfg.App.Check(ctx)
	s.readyAt = time.Now()
	return s.readyErr
}

// Shutdown stops taking events (the webhook answers 503) and waits for the queued
// and running jobs, until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.readyMu.Lock()
	s.shutdown = true
	s.readyMu.Unlock()
	return s.queue.Shutdown(ctx)
}
