package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// Elector runs lead while this replica holds the lease, until ctx ends.
// LeaderElection implements it with a Kubernetes Lease; AlwaysLeader for one replica.
type Elector interface {
	Run(ctx context.Context, lead func(ctx context.Context))
}

// AlwaysLeader leads at once and until ctx ends: for one replica without a cluster.
type AlwaysLeader struct{}

func (AlwaysLeader) Run(ctx context.Context, lead func(context.Context)) { lead(ctx) }

// Defaults of a LeaderElection (those of Kubernetes' controllers).
const (
	DefaultLeaseDuration = 15 * time.Second
	DefaultRenewDeadline = 10 * time.Second
	DefaultRetryPeriod   = 2 * time.Second
)

// LeaderElection is an Elector holding a coordination.k8s.io Lease through client-go's
// leader election: of the replicas that share Namespace/Name, one leads at a time.
// When ctx ends, the leader first stops its work, then releases the lease, so another
// replica takes over at once instead of after LeaseDuration. A leader that loses the
// lease stops its work and becomes a candidate again.
type LeaderElection struct {
	Client          kubernetes.Interface
	Namespace, Name string
	// Identity names this replica in the lease (default: Identity()).
	Identity                                  string
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	Log                                       *slog.Logger
}

// Identity is the pod's name (POD_NAME, else the hostname, which is the pod's name in
// Kubernetes) with a random suffix, so a restarted process is a new candidate.
func Identity() string {
	id := os.Getenv("POD_NAME")
	if id == "" {
		id, _ = os.Hostname()
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return id + "_" + hex.EncodeToString(b)
}

func (l *LeaderElection) lock() (resourcelock.Interface, error) {
	if l.Client == nil || l.Namespace == "" || l.Name == "" {
		return nil, errors.New("leader election: a Kubernetes client, a lease namespace and a lease name are required")
	}
	if l.Identity == "" {
		l.Identity = Identity()
	}
	return resourcelock.New(resourcelock.LeasesResourceLock, l.Namespace, l.Name, l.Client.CoreV1(), l.Client.CoordinationV1(),
		resourcelock.ResourceLockConfig{Identity: l.Identity})
}

// Run runs lead while this replica holds the lease, and tries to get it again when
// lost, until ctx ends.
func (l *LeaderElection) Run(ctx context.Context, lead func(context.Context)) {
	log := l.Log
	if log == nil {
		log = slog.Default()
	}
	lock, err := l.lock()
	if err != nil {
		log.Error("image automation: no periodic scan", "error", err)
		return
	}
	cfg := leaderelection.LeaderElectionConfig{
		Lock:            lock,
		Name:            l.Name,
		LeaseDuration:   orDefault(l.LeaseDuration, DefaultLeaseDuration),
		RenewDeadline:   orDefault(l.RenewDeadline, DefaultRenewDeadline),
		RetryPeriod:     orDefault(l.RetryPeriod, DefaultRetryPeriod),
		ReleaseOnCancel: true,
	}
	log = log.With("lease", l.Namespace+"/"+l.Name, "identity", l.Identity)
	for ctx.Err() == nil {
		log.Info("leader election: candidate")
		if err := l.runOnce(ctx, cfg, lead); err != nil {
			log.Error("leader election", "error", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(cfg.RetryPeriod):
		}
	}
}

// runOnce is one term: acquire, lead until the lease is lost or ctx ends, release.
func (l *LeaderElection) runOnce(ctx context.Context, cfg leaderelection.LeaderElectionConfig, lead func(context.Context)) error {
	// The elector gets a context of its own, ended only once lead has returned, so
	// the lease is renewed while the work stops and released after it stopped.
	electCtx, cancelElect := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelElect()
	var (
		mu       sync.Mutex
		leading  bool
		finished bool
		done     chan struct{}
	)
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !leading {
			cancelElect() // not leading: stop trying at once
		}
	})
	defer stop()
	cfg.Callbacks = leaderelection.LeaderCallbacks{
		OnStartedLeading: func(lctx context.Context) {
			mu.Lock()
			if finished || ctx.Err() != nil {
				mu.Unlock()
				cancelElect()
				return
			}
			leading, done = true, make(chan struct{})
			mu.Unlock()
			defer close(done)
			runCtx, cancel := context.WithCancel(lctx) // lctx ends when the lease is lost
			stopRun := context.AfterFunc(ctx, cancel)
			lead(runCtx)
			stopRun()
			cancel()
			mu.Lock()
			leading = false
			mu.Unlock()
			if ctx.Err() != nil {
				cancelElect() // now release the lease
			}
		},
		OnStoppedLeading: func() {},
	}
	le, err := leaderelection.NewLeaderElector(cfg)
	if err != nil {
		return err
	}
	le.Run(electCtx)
	mu.Lock()
	finished = true
	d := done
	mu.Unlock()
	if d != nil {
		<-d // never two terms' work at once
	}
	return nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
