package e2e

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// markRolledOut sets the Deployment's status as the deployment controller would once
// every replica is updated, ready and available (no kubelet runs in the test cluster).
func markRolledOut(ctx context.Context, t *testing.T, ns, name string) error {
	t.Helper()
	d, err := kube(t).AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	n := ptr.Deref(d.Spec.Replicas, 1)
	now := metav1.Now()
	d.Status = appsv1.DeploymentStatus{
		ObservedGeneration:  d.Generation,
		Replicas:            n,
		UpdatedReplicas:     n,
		ReadyReplicas:       n,
		AvailableReplicas:   n,
		UnavailableReplicas: 0,
		Conditions: []appsv1.DeploymentCondition{
			{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable",
				LastUpdateTime: now, LastTransitionTime: now},
			{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: "NewReplicaSetAvailable",
				LastUpdateTime: now, LastTransitionTime: now},
		},
	}
	_, err = kube(t).AppsV1().Deployments(ns).UpdateStatus(ctx, d, metav1.UpdateOptions{FieldManager: "deployment-controller-sim"})
	return err
}

// TestWaitForRollout: apply --wait returns once the applied Deployment reports it has
// rolled out, and not before: the status is set from the test while apply waits.
func TestWaitForRollout(t *testing.T) {
	ns := unique("wait-ok")
	set := ns
	createNamespace(t, ns)
	r := gitrepotest.NewRepo(t, map[string]string{
		"web.yaml": deploymentYAML("web", ns, 2, "nginx:1.27"),
		"cm.yaml":  configMapWith("settings", ns, "k", "v", nil),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	done := make(chan result, 1)
	go func() { done <- gitopsCtx(ctx, t, "apply", "--applyset", set, "--wait", "--timeout", "60s", r.Dir) }()

	// Wait for the Deployment to be created, then roll it out. The apply must not have
	// finished before: without the status it cannot be ready.
	for {
		err := markRolledOut(ctx, t, ns, "web")
		if err == nil {
			break
		}
		if !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			t.Fatalf("set the Deployment's status: %v", err)
		}
		select {
		case res := <-done:
			t.Fatalf("apply --wait finished before the Deployment rolled out\n%s", res)
		case <-time.After(100 * time.Millisecond):
		}
	}
	res := <-done
	if res.code != 0 {
		t.Fatalf("apply --wait: %s", res)
	}
	requireContainsAll(t, res.out, "Deployment.apps "+ns+"/web", "applied")
	d, err := kube(t).AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil || d.Status.ReadyReplicas != 2 {
		t.Fatalf("the status was overwritten: %v %v", d.Status, err)
	}
}

// TestWaitTimesOut: a Deployment that never rolls out fails apply --wait with exit 1
// and says it is not ready; nothing is pruned after a failed wait.
func TestWaitTimesOut(t *testing.T) {
	ns := unique("wait-timeout")
	set := ns
	createNamespace(t, ns)
	r := gitrepotest.NewRepo(t, map[string]string{
		"old.yaml": configMapWith("old", ns, "k", "v", nil),
	})
	mustGitops(t, 0, "apply", "--applyset", set, r.Dir)
	r.Write(t, map[string]string{"old.yaml": "", "web.yaml": deploymentYAML("web", ns, 1, "nginx:1.27")})
	r.Commit(t, "replace the ConfigMap by a Deployment", nil)

	res := gitops(t, "apply", "--applyset", set, "--wait", "--timeout", "3s", r.Dir)
	if res.code != 1 {
		t.Fatalf("apply --wait of a Deployment that never rolls out: want exit 1\n%s", res)
	}
	requireContainsAll(t, res.out, "Deployment.apps "+ns+"/web", "FAILED: not ready after 3s")
	requireExists(t, gvrDeployment, ns, "web")
	requireExists(t, gvrConfigMap, ns, "old")
}
