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

// Lock takes the set's Lease for holder. The lease lasts ttl and is renewed every ttl/3
// until the returned unlock is called; a holder that dies stops renewing and its lock
// expires. A live lock held by another holder returns a *LockedError.
func (s *Store) Lock(ctx context.Context, holder string, ttl time.Duration) (unlock func(), err error) {
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
		return nil, err
	}
	obj := toUnstructured(u)
	if _, err = leases.Create(ctx, obj, metav1.CreateOptions{}); apierrors.IsAlreadyExists(err) {
		cur, gerr := leases.Get(ctx, name, metav1.GetOptions{})
		if gerr != nil {
			return nil, fmt.Errorf("lock %s: %w", s.parent, gerr)
		}
		var l coordinationv1.Lease
		if cerr := runtime.DefaultUnstructuredConverter.FromUnstructured(cur.Object, &l); cerr != nil {
			return nil, cerr
		}
		if !expired(l, time.Now()) && ptr.Deref(l.Spec.HolderIdentity, "") != holder {
			since := time.Time{}
			if l.Spec.AcquireTime != nil {
				since = l.Spec.AcquireTime.Time
			}
			return nil, &LockedError{Set: s.parent, Holder: ptr.Deref(l.Spec.HolderIdentity, ""), Since: since}
		}
		// Take over an expired lease; the resourceVersion makes a racing taker lose.
		obj.SetResourceVersion(cur.GetResourceVersion())
		_, err = leases.Update(ctx, obj, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) {
			return nil, &LockedError{Set: s.parent, Holder: "another apply (lost the race for an expired lock)", Since: time.Now()}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", s.parent, err)
	}

	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				rctx, cancel := context.WithTimeout(context.Background(), ttl/3)
				cur, err := leases.Get(rctx, name, metav1.GetOptions{})
				if err == nil {
					_ = unstructuredSet(cur.Object, metav1.NewMicroTime(time.Now()).UTC().Format(metav1.RFC3339Micro), "spec", "renewTime")
					_, err = leases.Update(rctx, cur, metav1.UpdateOptions{})
				}
				cancel()
				if err != nil {
					s.log.Warn("renew applyset lock", "set", s.parent.String(), "err", err)
				}
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		dctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := leases.Delete(dctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			s.log.Warn("release applyset lock", "set", s.parent.String(), "err", err)
		}
	}, nil
}

func expired(l coordinationv1.Lease, now time.Time) bool {
	if l.Spec.RenewTime == nil || l.Spec.LeaseDurationSeconds == nil {
		return true
	}
	return now.After(l.Spec.RenewTime.Add(time.Duration(*l.Spec.LeaseDurationSeconds) * time.Second))
}

func toUnstructured(m map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: m}
}

func unstructuredSet(obj map[string]any, value string, fields ...string) error {
	return unstructured.SetNestedField(obj, value, fields...)
}
