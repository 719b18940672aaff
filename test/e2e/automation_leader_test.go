package e2e

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/images"
)

// scanCounter is a bot.Bumper that counts the bumps a periodic scan makes.
type scanCounter struct{ bumps atomic.Int64 }

func (s *scanCounter) Images(context.Context, bot.RepoRef) ([]string, error) {
	return []string{"ghcr.io/acme/app"}, nil
}

func (s *scanCounter) Bump(ctx context.Context, _ bot.RepoRef, _ []string, tags images.TagLister) (*bot.BumpResult, error) {
	s.bumps.Add(1)
	if _, err := tags.ListTags(ctx, name.MustParseReference("ghcr.io/acme/app").Context()); err != nil {
		return nil, err
	}
	return &bot.BumpResult{Images: []string{"ghcr.io/acme/app"}}, nil
}

// scanReplica is one bot replica's image automation, electing with a real Lease.
type scanReplica struct {
	id     string
	scans  *scanCounter
	auto   *bot.BumpScheduler
	cancel context.CancelFunc
	done   chan struct{}
}

func startScanReplica(t *testing.T, client kubernetes.Interface, ns, lease, id string) *scanReplica {
	t.Helper()
	r := &scanReplica{id: id, scans: &scanCounter{}, done: make(chan struct{})}
	auto, err := bot.NewBumpScheduler(bot.BumpSchedulerConfig{
		Bumper: r.scans,
		Registry: images.TagListerFunc(func(context.Context, name.Repository) ([]string, error) {
			return []string{"1.0.0"}, nil
		}),
		Repos: func(context.Context) ([]bot.RepoRef, error) {
			return []bot.RepoRef{{Installation: 1, Owner: "acme", Name: "app"}}, nil
		},
		Push: func(bot.Job) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	r.auto = auto
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	el := &bot.LeaderElection{Client: client, Namespace: ns, Name: lease, Identity: id, RetryPeriod: 500 * time.Millisecond}
	go func() {
		defer close(r.done)
		auto.Run(ctx, 100*time.Millisecond, time.Hour, el)
	}()
	t.Cleanup(func() { cancel(); <-r.done })
	return r
}

// TestAutomationLeaderElection runs two replicas' periodic scans against one Lease on
// the real API server: only the holder scans; when it stops (its context ends), it
// stops scanning, releases the Lease, and the other replica takes over.
func TestAutomationLeaderElection(t *testing.T) {
	ns := unique("automation-leader")
	createNamespace(t, ns)
	client := kube(t)
	ctx := context.Background()
	const lease = "kubectl-gitops-bot-automation"

	first := startScanReplica(t, client, ns, lease, "replica-1")
	eventually(t, time.Minute, "replica-1 leads and scans", func() (bool, error) {
		return first.auto.Leading() && first.scans.bumps.Load() >= 1, nil
	})
	second := startScanReplica(t, client, ns, lease, "replica-2")
	// The second is a candidate now; let the leader scan a few more times.
	n := first.scans.bumps.Load()
	eventually(t, time.Minute, "replica-1 scans on", func() (bool, error) { return first.scans.bumps.Load() >= n+3, nil })
	if second.auto.Leading() || second.scans.bumps.Load() != 0 {
		t.Fatalf("replica-2 scanned %d times (leading %v) while replica-1 held the lease", second.scans.bumps.Load(), second.auto.Leading())
	}
	l, err := client.CoordinationV1().Leases(ns).Get(ctx, lease, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h := l.Spec.HolderIdentity; h == nil || *h != "replica-1" {
		t.Fatalf("lease holder %v, want replica-1", h)
	}

	first.cancel() // graceful shutdown
	<-first.done
	if first.auto.Leading() {
		t.Fatal("replica-1 still leads after it stopped")
	}
	stopped := first.scans.bumps.Load()
	l, err = client.CoordinationV1().Leases(ns).Get(ctx, lease, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h := l.Spec.HolderIdentity; h != nil && *h == "replica-1" {
		t.Fatalf("replica-1 stopped without releasing the lease (holder %q)", *h)
	}
	eventually(t, time.Minute, "replica-2 takes over and scans", func() (bool, error) {
		return second.auto.Leading() && second.scans.bumps.Load() >= 1, nil
	})
	if got := first.scans.bumps.Load(); got != stopped {
		t.Fatalf("replica-1 scanned after it stopped (%d, then %d)", stopped, got)
	}
	l, err = client.CoordinationV1().Leases(ns).Get(ctx, lease, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h := l.Spec.HolderIdentity; h == nil || *h != "replica-2" {
		t.Fatalf("lease holder %v, want replica-2", h)
	}
}
