package inventory

import (
	"context"
	"errors"
	"fmt"
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

// MinLockTTL is the shortest lock lifetime accepted.
const MinLockTTL = 3 * time.Second

// ErrLockLost is the cause of the context Lock returns when the lock was lost.
var ErrLockLost = errors.New("lost the applyset lock (another apply took it over, or it could not be renewed in time)")

// Lock takes the set's Lease for holder (which must be unique per process). The lease
// lasts ttl and is renewed every ttl/3 until unlock is called; a holder that dies stops
// renewing and its lock expires. A live lock held by another holder returns a
// *LockedError.
//
// The returned context is cancelled, with cause ErrLockLost, when the lock is lost:
// another holder took the lease, or no renewal succeeded in time. "In time" is before
// the lease could expire: the lock counts as lost ttl/4 before renewTime + ttl, renewTime
// being the start of the last renewal request known to have taken effect (a renewal
// whose answer is lost is read back: if the lease names this holder and carries that
// renewal, it took effect). Work done under the lock must use that context, and the
// Store confirms the lock before each of its writes (see Fence).
func (s *Store) Lock(ctx context.Context, holder string, ttl time.Duration) (locked context.Context, unlock func(), err error) {
	if ttl < MinLockTTL {
		return nil, nil, fmt.Errorf("lock %s: lock TTL %s is shorter than %s", s.parent, ttl, MinLockTTL)
	}
	ttl = ttl.Truncate(time.Second) // the lease counts whole seconds
	leases := s.client.Resource(leaseGVR).Namespace(s.parent.Namespace)
	name := s.parent.LeaseName()
	acquired := s.clock.Now()
	now := metav1.NewMicroTime(acquired)
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
			return nil, nil, &LockedError{Set: s.parent, Holder: "another apply (the lock changed hands while taking it)", Since: s.clock.Now()}
		}
		if gerr != nil {
			return nil, nil, fmt.Errorf("lock %s: %w", s.parent, gerr)
		}
		l, cerr := toLease(cur)
		if cerr != nil {
			return nil, nil, cerr
		}
		if !expired(l, s.clock.Now()) {
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
			return nil, nil, &LockedError{Set: s.parent, Holder: "another apply (lost the race for an expired lock)", Since: s.clock.Now()}
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("lock %s: %w", s.parent, err)
	}

	locked, lose := context.WithCancelCause(ctx)
	l := &heldLock{s: s, leases: leases, holder: holder, lose: lose, held: held, renewal: newRenewal(ttl, acquired)}
	s.mu.Lock()
	s.lock = l
	s.mu.Unlock()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.loop(ctx, stop)
	}()
	return locked, func() {
		close(stop)
		<-done
		s.mu.Lock()
		s.lock = nil
		s.mu.Unlock()
		lose(context.Canceled)
		l.mu.Lock()
		defer l.mu.Unlock()
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		// Delete only the lease we hold: never one another apply has taken since.
		uid, rv := l.held.GetUID(), l.held.GetResourceVersion()
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
