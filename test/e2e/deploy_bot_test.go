package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
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
}
