package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/githubapp/bot"
)

// TestDeployBot applies deploy/bot with kubectl gitops itself, and checks that the
// bot's ServiceAccount may dry-run writes (a plan) and is refused real ones by the
// admission policy that ships with it.
func TestDeployBot(t *testing.T) {
	dir := filepath.Join("..", "..", "deploy", "bot")
	args := []string{dir, "--applyset", "kubectl-gitops-bot", "--applyset-namespace", "kubectl-gitops"}
	if res := gitops(t, append([]string{"apply", "--progress", "none"}, args...)...); res.code != 0 {
		t.Fatalf("apply deploy/bot: %s", res)
	}
	if res := gitops(t, append([]string{"plan"}, args...)...); res.code != 0 {
		t.Fatalf("second plan not clean: %s", res)
	}

	cfg := rest.CopyConfig(cluster.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: "system:serviceaccount:kubectl-gitops:kubectl-gitops-bot",
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:kubectl-gitops", "system:authenticated"}}
	asBot, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cm := []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bot-probe","namespace":"default"},"data":{"k":"v"}}`)
	apply := func(dryRun bool) error {
		opts := metav1.PatchOptions{FieldManager: "kubectl-gitops"}
		if dryRun {
			opts.DryRun = []string{metav1.DryRunAll}
		}
		_, err := asBot.CoreV1().ConfigMaps("default").Patch(ctx, "bot-probe", types.ApplyPatchType, cm, opts)
		return err
	}
	// The policy is enforced once the API server has loaded it: wait for a refusal.
	eventually(t, 30*time.Second, "the dry-run-only policy refuses the bot's writes", func() (bool, error) {
		err := apply(false)
		if err == nil {
			_ = kube(t).CoreV1().ConfigMaps("default").Delete(ctx, "bot-probe", metav1.DeleteOptions{})
			return false, nil
		}
		return strings.Contains(err.Error(), "may only dry-run"), nil
	})
	if err := apply(true); err != nil {
		t.Fatalf("a dry-run apply as the bot was refused: %v", err)
	}
	if _, err := kube(t).CoreV1().ConfigMaps("default").Get(ctx, "bot-probe", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the bot's refused write left an object: %v", err)
	}
	if _, err := asBot.CoreV1().Secrets("kubectl-gitops").List(ctx, metav1.ListOptions{}); err != nil {
		t.Fatalf("the bot cannot read (a plan reads live objects): %v", err)
	}

	// The periodic image scan's Lease: the bot may take and release it (the one real
	// write it makes), and no other Lease.
	lctx, stop := context.WithCancel(ctx)
	led := make(chan struct{})
	done := make(chan struct{})
	el := &bot.LeaderElection{Client: asBot, Namespace: "kubectl-gitops", Name: "kubectl-gitops-bot-automation", Identity: "deploy-test"}
	go func() {
		defer close(done)
		el.Run(lctx, func(ctx context.Context) { close(led); <-ctx.Done() })
	}()
	select {
	case <-led:
	case <-time.After(time.Minute):
		t.Fatal("the bot could not take its scan's Lease (RBAC or admission policy)")
	}
	stop()
	<-done
	other := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "another-lease", Namespace: "kubectl-gitops"}}
	if _, err := asBot.CoordinationV1().Leases("kubectl-gitops").Create(ctx, other, metav1.CreateOptions{}); err == nil || !strings.Contains(err.Error(), "may only dry-run") {
		t.Fatalf("the bot created a Lease other than its scan's: %v", err)
	}
}
