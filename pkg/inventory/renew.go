package inventory

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/kubectl-gitops/kubectl-gitops/internal/testhook"
)

// heldLock is a lease this process holds: renewed in the background, and confirmed
// before each write of the set (see Store.Fence).
type heldLock struct {
	s      *Store
	leases dynamic.ResourceInterface
	holder string
	lose   context.CancelCauseFunc

	mu      sync.Mutex // serialises renewals: the loop's and the fences'
	held    *unstructured.Unstructured
	renewal *renewal
	lost    bool
}

// loop renews the lease every renewal period until stop is closed or the lock is lost.
// It wakes at the deadline too, so that a lock whose renewals keep failing is given up
// before the lease can expire, not after.
func (l *heldLock) loop(hooks context.Context, stop <-chan struct{}) {
	period := renewPeriod(l.renewal.ttl)
	for {
		l.mu.Lock()
		wait := min(period, l.renewal.deadline().Sub(l.s.clock.Now()))
		l.mu.Unlock()
		select {
		case <-stop:
			return
		case <-l.s.clock.After(wait):
		}
		testhook.At(hooks, testhook.BeforeRenew)
		if err := l.renew(context.Background()); errors.Is(err, ErrLockLost) {
			return
		} else if err != nil {
			l.s.log.Warn("renew applyset lock", "set", l.s.parent.String(), "err", err)
		}
	}
}

// renew renews the lease once. It returns nil when the lease is ours as of now (the
// renewal took effect, or the lease read back still names us and its deadline has not
// passed), ErrLockLost when the lock is lost (then the locked context is cancelled), or
// another error when it could not tell (the lock stays ours until its deadline).
func (l *heldLock) renew(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost {
		return ErrLockLost
	}
	start := l.s.clock.Now()
	if l.renewal.lost(start) {
		return l.giveUp(fmt.Errorf("not renewed since %s", l.renewal.lastStart.UTC().Format(time.RFC3339)))
	}
	renewTime := formatRenewTime(start)
	next := l.held.DeepCopy()
	_ = unstructured.SetNestedField(next.Object, renewTime, "spec", "renewTime")
	l.renewal.sent(renewTime, start)
	rctx, cancel := context.WithTimeout(ctx, l.renewal.attemptTimeout(start))
	// An update with our last resourceVersion fails if anyone else wrote the lease.
	got, err := l.leases.Update(rctx, next, metav1.UpdateOptions{})
	cancel()
	switch {
	case err == nil:
		l.held = got
		l.renewal.succeeded(start)
		return nil
	case apierrors.IsNotFound(err):
		return l.giveUp(errors.New("the lease was deleted"))
	}
	// The request may have taken effect though its answer was lost or refused (a
	// conflict with our own earlier request whose answer was lost): read the lease back.
	rctx, cancel = context.WithTimeout(ctx, max(l.renewal.deadline().Sub(l.s.clock.Now()), 0))
	cur, gerr := l.leases.Get(rctx, l.held.GetName(), metav1.GetOptions{})
	cancel()
	switch {
	case apierrors.IsNotFound(gerr):
		return l.giveUp(errors.New("the lease was deleted"))
	case gerr != nil:
		if l.renewal.lost(l.s.clock.Now()) {
			return l.giveUp(fmt.Errorf("renew: %w", err))
		}
		return fmt.Errorf("renew: %w (and reading it back: %v)", err, gerr)
	}
	holder, _, _ := unstructured.NestedString(cur.Object, "spec", "holderIdentity")
	readRenewTime, _, _ := unstructured.NestedString(cur.Object, "spec", "renewTime")
	v, startOfOurs := l.renewal.judge(l.holder, holder, readRenewTime)
	if v == verdictLost {
		return l.giveUp(fmt.Errorf("the lease is held by %q", holder))
	}
	l.held = cur
	if v == verdictRenewed {
		l.renewal.succeeded(startOfOurs)
	}
	if l.renewal.lost(l.s.clock.Now()) {
		return l.giveUp(fmt.Errorf("renew: %w", err))
	}
	// Ours, as read back just now: the next write is checked against this version.
	l.s.log.Debug("renew applyset lock: the lease is still ours", "set", l.s.parent.String(), "err", err)
	return nil
}

// giveUp marks the lock lost and cancels the locked context. Call with mu held.
func (l *heldLock) giveUp(why error) error {
	l.lost = true
	l.s.log.Warn("lost the applyset lock", "set", l.s.parent.String(), "reason", why.Error())
	l.lose(ErrLockLost)
	return ErrLockLost
}
