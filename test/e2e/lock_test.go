package e2e

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"github.com/kubectl-gitops/kubectl-gitops/internal/testhook"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/inventory"
)

// lastRevision is the revision recorded on the set's parent ("" when there is none).
func lastRevision(t *testing.T, set string) string {
	t.Helper()
	p := parentOf(set)
	s, err := kube(t).CoreV1().Secrets(p.Namespace).Get(context.Background(), p.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("read the parent of %s: %v", set, err)
	}
	return s.Annotations[inventory.AnnotationLastRevision]
}

func leaseHolder(t *testing.T, set string) string {
	t.Helper()
	p := parentOf(set)
	l, err := kube(t).CoordinationV1().Leases(p.Namespace).Get(context.Background(), p.LeaseName(), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("read the lease of %s: %v", set, err)
	}
	return ptr.Deref(l.Spec.HolderIdentity, "")
}

// TestStalledApplyIsFenced: an apply that stalls (here: just before pruning, with its
// lock renewals stalled too, like a frozen process) past its lock's expiry, while a
// second apply takes the lock over, prunes nothing and does not overwrite the inventory
// when it resumes; it exits 1 (it had applied objects), listing them and saying it lost
// the lock.
func TestStalledApplyIsFenced(t *testing.T) {
	ns, set := unique("fence"), unique("fence")
	createNamespace(t, ns)
	r := gitrepotest.NewRepo(t, map[string]string{
		"a.yaml": configMapWith("a", ns, "k", "v1", nil),
		"b.yaml": configMapWith("b", ns, "k", "v1", nil),
	})
	mustGitops(t, 0, "apply", r.Dir, "--applyset", set)
	first := lastRevision(t, set)
	r.Write(t, map[string]string{"a.yaml": configMapWith("a", ns, "k", "v2", nil), "b.yaml": ""})
	r.Commit(t, "change a, drop b", nil)

	stalled, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	hook := func(point string) {
		switch point {
		case testhook.BeforePrune:
			once.Do(func() { close(stalled) })
			<-release
		case testhook.BeforeRenew:
			select {
			case <-stalled:
				<-release
			default:
			}
		}
	}
	done := make(chan result, 1)
	go func() {
		done <- gitopsCtx(testhook.With(context.Background(), hook), t, "apply", r.Dir, "--applyset", set, "--lock-ttl", "3s")
	}()
	select {
	case <-stalled:
	case res := <-done:
		t.Fatalf("the apply finished without reaching the prune:\n%s", res)
	}

	// The second apply takes the lock over once it has expired.
	second := inventory.New(dyn(t), parentOf(set))
	var unlock func()
	eventually(t, time.Minute, "the stalled apply's lock expires and is taken over", func() (bool, error) {
		var err error
		_, unlock, err = second.Lock(context.Background(), "second", time.Minute)
		return err == nil, err
	})
	defer unlock()
	close(release)
	res := <-done

	if res.code != 1 {
		t.Fatalf("want exit 1 (objects were applied, then the lock was lost)\n%s", res)
	}
	requireContainsAll(t, res.out+res.err, "lost the applyset lock", "ConfigMap "+ns+"/a")
	requireExists(t, gvrConfigMap, ns, "b") // not pruned
	if got := lastRevision(t, set); got != first {
		t.Errorf("the stalled apply recorded revision %q on the inventory, want %q kept", got, first)
	}
	if h := leaseHolder(t, set); h != "second" {
		t.Errorf("lease holder %q, want the second apply's lease kept", h)
	}
}

// TestFenceRefusesWriteAfterTakeover: when another holder wrote the lease, a write of
// the set is refused by the lease's resourceVersion, even when this process's own clock
// says its lock is still good (here: frozen, so its renewals never run).
func TestFenceRefusesWriteAfterTakeover(t *testing.T) {
	ctx := context.Background()
	set := unique("fence-rv")
	store := inventory.New(dyn(t), parentOf(set), inventory.WithClock(clocktesting.NewFakeClock(time.Now())))
	locked, unlock, err := store.Lock(ctx, "first", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	leases := dyn(t).Resource(gvrLease).Namespace("default")
	l, err := leases.Get(ctx, parentOf(set).LeaseName(), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_ = unstructured.SetNestedField(l.Object, "second", "spec", "holderIdentity")
	if _, err := leases.Update(ctx, l, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	inv, err := store.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = store.Widen(locked, inv, []schema.GroupKind{{Kind: "ConfigMap"}}, []string{"default"})
	if !errors.Is(err, inventory.ErrLockLost) {
		t.Fatalf("write after a takeover: %v, want ErrLockLost", err)
	}
	requireAbsent(t, gvrSecret, "default", set)
	if !errors.Is(context.Cause(locked), inventory.ErrLockLost) {
		t.Errorf("locked context cause %v, want ErrLockLost", context.Cause(locked))
	}
	unlock()
	if h := leaseHolder(t, set); h != "second" {
		t.Errorf("lease holder %q after unlock, want the second holder's lease kept", h)
	}
}

// TestRenewalWithLostResponseStaysOurs: a renewal the server applied but whose
// response never arrived leaves the lock ours: later renewals, and a write, succeed.
func TestRenewalWithLostResponseStaysOurs(t *testing.T) {
	ctx := context.Background()
	set := unique("lostresp")
	cfg := rest.CopyConfig(cluster.Config)
	var puts atomic.Int32
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(req *http.Request) (*http.Response, error) {
			resp, err := rt.RoundTrip(req)
			if req.Method == http.MethodPut && strings.Contains(req.URL.Path, "/leases/") && puts.Add(1) == 1 && err == nil {
				_, _ = io.Copy(io.Discard, resp.Body) // the server handled it
				_ = resp.Body.Close()
				return nil, errors.New("connection lost before the response (test)")
			}
			return resp, err
		})
	}
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	store := inventory.New(client, parentOf(set))
	locked, unlock, err := store.Lock(ctx, "first", inventory.MinLockTTL)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	eventually(t, time.Minute, "two renewals after the one whose response was lost", func() (bool, error) {
		return puts.Load() >= 3 || locked.Err() != nil, nil
	})
	if cause := context.Cause(locked); cause != nil {
		t.Fatalf("the lock was given up: %v", cause)
	}
	if err := store.Fence(locked); err != nil {
		t.Fatalf("fence: %v", err)
	}
	if h := leaseHolder(t, set); h != "first" {
		t.Errorf("lease holder %q", h)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestInventoryNotRecordedExitsOne: when the inventory cannot be recorded after objects
// were applied (here: a user who may apply ConfigMaps but not write the parent
// Secret), apply exits 1, not 2 ("nothing applied"), and lists the applied objects.
func TestInventoryNotRecordedExitsOne(t *testing.T) {
	ctx := context.Background()
	ns, set := unique("norecord"), unique("norecord")
	createNamespace(t, ns)
	r := gitrepotest.NewRepo(t, map[string]string{"a.yaml": configMapWith("a", ns, "k", "v1", nil)})
	mustGitops(t, 0, "apply", r.Dir, "--applyset", set)
	first := lastRevision(t, set)
	r.Write(t, map[string]string{"a.yaml": configMapWith("a", ns, "k", "v2", nil)})
	r.Commit(t, "change a", nil)

	kc := limitedKubeconfig(t, set, []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
		{APIGroups: []string{""}, Resources: []string{"secrets", "namespaces"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"get", "create", "update", "delete"}},
	})
	res := gitopsKubeconfig(t, kc, "apply", r.Dir, "--applyset", set)
	if res.code != 1 {
		t.Fatalf("want exit 1: objects were applied, the inventory was not recorded\n%s", res)
	}
	requireContainsAll(t, res.out, "ConfigMap "+ns+"/a")
	requireContainsAll(t, res.err, "forbidden")
	cm, err := kube(t).CoreV1().ConfigMaps(ns).Get(ctx, "a", metav1.GetOptions{})
	if err != nil || cm.Data["k"] != "v2" {
		t.Fatalf("the change was not applied: %v %v", cm.Data, err)
	}
	if got := lastRevision(t, set); got != first {
		t.Errorf("recorded revision %q, want %q kept", got, first)
	}
}

// limitedKubeconfig returns a kubeconfig for a new ServiceAccount allowed only rules.
func limitedKubeconfig(t *testing.T, name string, rules []rbacv1.PolicyRule) string {
	t.Helper()
	ctx := context.Background()
	k := kube(t)
	if _, err := k.CoreV1().ServiceAccounts("default").Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: name},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: "default", Name: name}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tok, err := k.CoreV1().ServiceAccounts("default").CreateToken(ctx, name, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To(int64(3600))},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return writeKubeconfig(t, cluster.Config.Host, tok.Status.Token)
}
