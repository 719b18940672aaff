package inventory

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

var leaseGVR = schema.GroupVersionResource{Group: "coordination.k8s.io", Version: "v1", Resource: "leases"}

// ErrLocked means another apply of the same set holds the lock.
var ErrLocked = errors.New("applyset is locked by another apply")

// LockedError says who holds the lock.
type LockedError struct {
	Set    Parent
	Holder string
	Since  time.Time
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%s is being applied by %q since %s; try again when it finishes (the lock expires if that apply dies)",
		e.Set, e.Holder, e.Since.UTC().Format(time.RFC3339))
}

func (e *LockedError) Unwrap() error { return ErrLocked }

// LeaseName is the name of the Lease that locks the set, in the parent's namespace.
func (p Parent) LeaseName() string { return "kubectl-gitops-" + p.Name }

// MinLockTTL is the shortest lock lifetime accepted: renewals happen every ttl/3.
const MinLockTTL = 3 * time.Second

// ErrLockLost is the cause of the context Lock returns when the lock was lost.
var ErrLockLost = errors.New("lost the applyset lock (another apply took it over, or it could not be renewed in time)")

// Lock takes the set's Lease for holder (which must be unique per process). The lease
// lasts ttl and is renewed every ttl/3 until unlock is called; a holder that dies
// stops renewing and its lock expires. A live lock held by another holder returns a
// *LockedError. The returned context is cancelled, with cause ErrLockLost, when the
// lock is lost: another holder took the lease, or it could not be renewed before it
// expired. Work done under the lock must use that context.
func (s *Store) Lock(ctx context.Context, holder string, ttl time.Duration) (locked context.Context, unlock func(), err error) {
	if ttl < MinLockTTL {
		return nil, nil, fmt.Errorf("lock %s: lock TTL %s is shorter than %s", s.parent, ttl, MinLockTTL)
	}
	leases := s.client.Resource(leaseGVR).Namespace(s.parent.Namespace)
	name := s.parent.LeaseName()
	now := metav1.NewMicroTime(time.Now())
	want := coordinationv1.Lease{
		TypeMeta:   metav1.TypeMeta{APIVersion: "coordination.k8s.io/v1", Kind: "Lease"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: s.parent.Namespace},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity:       ptr.To(holder),
			LeaseDurationSeconds: ptr.To(int32(ttl.Seconds())),
			AcquireTime:          &now,
			RenewTime:            &now,
		},
	}
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&want)
	if err != nil {
		return nil, nil, err
	}
	obj := &unstructured.Unstructured{Object: u}
	held, err := leases.Create(ctx, obj, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		cur, gerr := leases.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(gerr) {
			return nil, nil, &LockedError{Set: s.parent, Holder: "another apply (the lock changed hands while taking it)", Since: time.Now()}
		}
		if gerr != nil {
			return nil, nil, fmt.Errorf("lock %s: %w", s.parent, gerr)
		}
		l, cerr := toLease(cur)
		if cerr != nil {
			return nil, nil, cerr
		}
		if !expired(l, time.Now()) {
			since := time.Time{}
			if l.Spec.AcquireTime != nil {
				since = l.Spec.AcquireTime.Time
			}
			return nil, nil, &LockedError{Set: s.parent, Holder: ptr.Deref(l.Spec.HolderIdentity, ""), Since: since}
		}
		// Take over an expired lease; the resourceVersion makes a racing taker lose.
		obj.SetResourceVersion(cur.GetResourceVersion())
		held, err = leases.Update(ctx, obj, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) {
			return nil, nil, &LockedError{Set: s.parent, Holder: "another apply (lost the race for an expired lock)", Since: time.Now()}
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("lock %s: %w", s.parent, err)
	}

	locked, lose := context.WithCancelCause(ctx)
	stop := make(chan struct{})
	done := make(chan struct{})
	var mu sync.Mutex // guards held
	go func() {
		defer close(done)
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		lastRenew := time.Now()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			mu.Lock()
			cur := held.DeepCopy()
			mu.Unlock()
			_ = unstructured.SetNestedField(cur.Object, metav1.NewMicroTime(time.Now()).UTC().Format(metav1.RFC3339Micro), "spec", "renewTime")
			rctx, cancel := context.WithTimeout(context.Background(), ttl/3)
			// An update with our last resourceVersion fails if anyone else wrote the lease.
			next, err := leases.Update(rctx, cur, metav1.UpdateOptions{})
			cancel()
			switch {
			case err == nil:
				mu.Lock()
				held = next
				mu.Unlock()
				lastRenew = time.Now()
			case apierrors.IsConflict(err) || apierrors.IsNotFound(err):
				lose(ErrLockLost)
				return
			default:
				s.log.Warn("renew applyset lock", "set", s.parent.String(), "err", err)
				if time.Since(lastRenew) > ttl*2/3 {
					lose(ErrLockLost)
					return
				}
			}
		}
	}()
	return locked, func() {
		close(stop)
		<-done
		lose(context.Canceled)
		mu.Lock()
		defer mu.Unlock()
		dctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// Delete only the lease we hold: never one another apply has taken since.
		uid, rv := held.GetUID(), held.GetResourceVersion()
		err := leases.Delete(dctx, name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid, ResourceVersion: &rv}})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			s.log.Warn("release applyset lock", "set", s.parent.String(), "err", err)
		}
	}, nil
}

func toLease(u *unstructured.Unstructured) (coordinationv1.Lease, error) {
	var l coordinationv1.Lease
	err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &l)
	return l, err
}

func expired(l coordinationv1.Lease, now time.Time) bool {
	if l.Spec.RenewTime == nil || l.Spec.LeaseDurationSeconds == nil {
		return true
	}
	return now.After(l.Spec.RenewTime.Add(time.Duration(*l.Spec.LeaseDurationSeconds) * time.Second))
}
