package e2e

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// The bot's in-cluster identity, as deploy/bot names it.
const (
	botUser      = "system:serviceaccount:kubectl-gitops:kubectl-gitops-bot"
	botNamespace = "kubectl-gitops"
	botLease     = "kubectl-gitops-bot-automation"
)

var botGroups = []string{"system:serviceaccounts", "system:serviceaccounts:" + botNamespace, "system:authenticated"}

// applyDeployBot applies deploy/bot as TestDeployBot does (the same ApplySet, so the
// two tests agree in any order) and waits until the API server enforces its
// dry-run-only policy. It returns a client that impersonates the bot's ServiceAccount.
func applyDeployBot(t *testing.T) kubernetes.Interface {
	t.Helper()
	dir := filepath.Join("..", "..", "deploy", "bot")
	if res := gitops(t, "apply", "--progress", "none", dir, "--applyset", "kubectl-gitops-bot", "--applyset-namespace", botNamespace); res.code != 0 {
		t.Fatalf("apply deploy/bot: %s", res)
	}
	asBot := botClient(t)
	ctx := context.Background()
	probe := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "bot-account-probe", Namespace: "default"}}
	eventually(t, 30*time.Second, "the dry-run-only policy refuses the bot's writes", func() (bool, error) {
		_, err := asBot.CoreV1().ConfigMaps("default").Create(ctx, probe, metav1.CreateOptions{})
		if err == nil {
			_ = kube(t).CoreV1().ConfigMaps("default").Delete(ctx, probe.Name, metav1.DeleteOptions{})
			return false, nil
		}
		return strings.Contains(err.Error(), "may only dry-run"), err
	})
	return asBot
}

// botConfig is the test cluster's admin config impersonating the bot's ServiceAccount.
func botConfig() *rest.Config {
	cfg := rest.CopyConfig(cluster.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: botUser, Groups: botGroups}
	return cfg
}

func botClient(t *testing.T) kubernetes.Interface {
	t.Helper()
	c, err := kubernetes.NewForConfig(botConfig())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// botAccountFixture is what the bot's refused requests aim at, made as admin.
type botAccountFixture struct {
	ns, deployment, pod, service, configMap, adminSA string
}

func newBotAccountFixture(t *testing.T) botAccountFixture {
	t.Helper()
	ctx := context.Background()
	admin := kube(t)
	f := botAccountFixture{ns: unique("bot-account"), deployment: "web", pod: "idle", service: "web", configMap: "settings", adminSA: "powerful"}
	ensureNamespace(t, f.ns)
	labels := map[string]string{"app": "web"}
	if _, err := admin.AppsV1().Deployments(f.ns).Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: f.deployment},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](3), Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	if _, err := admin.CoreV1().Services(f.ns).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: f.service},
		Spec:       corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Port: 80}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create service: %v", err)
	}
	if _, err := admin.CoreV1().ConfigMaps(f.ns).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: f.configMap}, Data: map[string]string{"color": "blue"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create configmap: %v", err)
	}
	// A ServiceAccount worth stealing: bound to cluster-admin.
	if _, err := admin.CoreV1().ServiceAccounts(f.ns).Create(ctx, &corev1.ServiceAccount{
		ObjectMeta: metav1.ObjectMeta{Name: f.adminSA},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create serviceaccount: %v", err)
	}
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: f.ns + "-" + f.adminSA},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: f.adminSA, Namespace: f.ns}},
	}
	if _, err := admin.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create clusterrolebinding: %v", err)
	}
	t.Cleanup(func() {
		_ = admin.RbacV1().ClusterRoleBindings().Delete(context.Background(), crb.Name, metav1.DeleteOptions{})
	})
	// A Pod (it stays Pending: no kubelet) needs the namespace's default ServiceAccount.
	eventually(t, time.Minute, "the default ServiceAccount of "+f.ns, func() (bool, error) {
		_, err := admin.CoreV1().ServiceAccounts(f.ns).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, err
	})
	if _, err := admin.CoreV1().Pods(f.ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: f.pod},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "idle", Image: "busybox"}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create pod: %v", err)
	}
	return f
}

// unchanged checks, as admin, what every refused request could have changed.
func (f botAccountFixture) unchanged(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	admin := kube(t)
	d, err := admin.AppsV1().Deployments(f.ns).Get(ctx, f.deployment, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get deployment: %v", err)
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 3 || d.Status.Replicas != 0 || d.Status.ObservedGeneration != 0 {
		t.Errorf("deployment changed: replicas %d, status %+v", ptr.Deref(d.Spec.Replicas, -1), d.Status)
	}
	if _, err := admin.CoreV1().Pods(f.ns).Get(ctx, f.pod, metav1.GetOptions{}); err != nil {
		t.Errorf("the pod is gone: %v", err)
	}
	cm, err := admin.CoreV1().ConfigMaps(f.ns).Get(ctx, f.configMap, metav1.GetOptions{})
	if err != nil || cm.Data["color"] != "blue" || len(cm.Data) != 1 {
		t.Errorf("configmap changed: %v %v", cm, err)
	}
	for _, name := range []string{"created-by-bot", "bot-lease"} {
		if _, err := admin.CoreV1().ConfigMaps(f.ns).Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("configmap %s: %v, want none", name, err)
		}
	}
	if _, err := admin.CoordinationV1().Leases(botNamespace).Get(ctx, "another-lease", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("lease another-lease: %v, want none", err)
	}
	if _, err := admin.RbacV1().ClusterRoleBindings().Get(ctx, "bot-made-itself-admin", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("clusterrolebinding bot-made-itself-admin: %v, want none", err)
	}
}

// TestBotAccountCannotWrite impersonates the bot's ServiceAccount as deploy/bot sets it up
// and tries every real (not dry-run) write its role could reach, on objects and on their
// subresources, and the reads that run code or reach into nodes: each is refused with
// 403 Forbidden, by RBAC or by the dry-run-only admission policy, and nothing changes.
func TestBotAccountCannotWrite(t *testing.T) {
	asBot := applyDeployBot(t)
	f := newBotAccountFixture(t)
	ctx := context.Background()
	core := asBot.CoreV1().RESTClient()
	scaleTo0 := []byte(`{"spec":{"replicas":0}}`)
	cmJSON := func(name string) []byte {
		return []byte(fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":%q,"namespace":%q},"data":{"color":"red"}}`, name, f.ns))
	}
	tests := []struct {
		name string
		do   func() error
	}{
		// Subresources.
		{"patch deployments/scale", func() error {
			_, err := asBot.AppsV1().Deployments(f.ns).Patch(ctx, f.deployment, types.MergePatchType, scaleTo0, metav1.PatchOptions{}, "scale")
			return err
		}},
		{"update deployments/scale", func() error {
			_, err := asBot.AppsV1().Deployments(f.ns).UpdateScale(ctx, f.deployment, &autoscalingv1.Scale{
				ObjectMeta: metav1.ObjectMeta{Name: f.deployment, Namespace: f.ns}, Spec: autoscalingv1.ScaleSpec{Replicas: 0}}, metav1.UpdateOptions{})
			return err
		}},
		{"patch deployments/status", func() error {
			_, err := asBot.AppsV1().Deployments(f.ns).Patch(ctx, f.deployment, types.MergePatchType,
				[]byte(`{"status":{"replicas":7,"observedGeneration":5}}`), metav1.PatchOptions{}, "status")
			return err
		}},
		{"create serviceaccounts/token of a cluster-admin", func() error {
			tr, err := asBot.CoreV1().ServiceAccounts(f.ns).CreateToken(ctx, f.adminSA, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
			if err == nil && tr.Status.Token != "" {
				return errors.New("a token was issued")
			}
			return err
		}},
		{"create pods/exec", func() error {
			return core.Post().Namespace(f.ns).Resource("pods").Name(f.pod).SubResource("exec").
				Param("command", "true").Param("stdout", "true").Do(ctx).Error()
		}},
		{"get pods/exec (the websocket upgrade)", func() error {
			return core.Get().Namespace(f.ns).Resource("pods").Name(f.pod).SubResource("exec").
				Param("command", "true").Param("stdout", "true").Do(ctx).Error()
		}},
		{"create pods/attach", func() error {
			return core.Post().Namespace(f.ns).Resource("pods").Name(f.pod).SubResource("attach").Param("stdout", "true").Do(ctx).Error()
		}},
		{"create pods/portforward", func() error {
			return core.Post().Namespace(f.ns).Resource("pods").Name(f.pod).SubResource("portforward").Param("ports", "80").Do(ctx).Error()
		}},
		{"get pods/proxy", func() error {
			return core.Get().Namespace(f.ns).Resource("pods").Name(f.pod).SubResource("proxy").Do(ctx).Error()
		}},
		{"get services/proxy", func() error {
			return core.Get().Namespace(f.ns).Resource("services").Name(f.service).SubResource("proxy").Do(ctx).Error()
		}},
		{"get pods/log", func() error {
			return core.Get().Namespace(f.ns).Resource("pods").Name(f.pod).SubResource("log").Do(ctx).Error()
		}},
		{"create pods/eviction", func() error {
			return asBot.CoreV1().Pods(f.ns).EvictV1(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: f.pod, Namespace: f.ns}})
		}},
		{"patch pods/ephemeralcontainers", func() error {
			_, err := asBot.CoreV1().Pods(f.ns).Patch(ctx, f.pod, types.StrategicMergePatchType,
				[]byte(`{"spec":{"ephemeralContainers":[{"name":"debug","image":"busybox"}]}}`), metav1.PatchOptions{}, "ephemeralcontainers")
			return err
		}},
		{"patch pods/status", func() error {
			_, err := asBot.CoreV1().Pods(f.ns).Patch(ctx, f.pod, types.MergePatchType, []byte(`{"status":{"phase":"Failed"}}`), metav1.PatchOptions{}, "status")
			return err
		}},
		// Objects.
		{"create configmap", func() error {
			_, err := asBot.CoreV1().ConfigMaps(f.ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "created-by-bot"}}, metav1.CreateOptions{})
			return err
		}},
		{"server-side apply a new configmap", func() error {
			_, err := asBot.CoreV1().ConfigMaps(f.ns).Patch(ctx, "created-by-bot", types.ApplyPatchType, cmJSON("created-by-bot"),
				metav1.PatchOptions{FieldManager: "kubectl-gitops"})
			return err
		}},
		{"server-side apply an existing configmap", func() error {
			_, err := asBot.CoreV1().ConfigMaps(f.ns).Patch(ctx, f.configMap, types.ApplyPatchType, cmJSON(f.configMap),
				metav1.PatchOptions{FieldManager: "kubectl-gitops", Force: ptr.To(true)})
			return err
		}},
		{"merge-patch configmap", func() error {
			_, err := asBot.CoreV1().ConfigMaps(f.ns).Patch(ctx, f.configMap, types.MergePatchType, []byte(`{"data":{"color":"red"}}`), metav1.PatchOptions{})
			return err
		}},
		{"update configmap", func() error {
			cm, err := asBot.CoreV1().ConfigMaps(f.ns).Get(ctx, f.configMap, metav1.GetOptions{})
			if err != nil {
				return fmt.Errorf("the bot cannot read (a plan must): %v", err) // not a 403 the test accepts
			}
			cm.Data["color"] = "red"
			_, err = asBot.CoreV1().ConfigMaps(f.ns).Update(ctx, cm, metav1.UpdateOptions{})
			return err
		}},
		{"delete configmap", func() error {
			return asBot.CoreV1().ConfigMaps(f.ns).Delete(ctx, f.configMap, metav1.DeleteOptions{})
		}},
		{"deletecollection configmaps", func() error {
			return asBot.CoreV1().ConfigMaps(f.ns).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{})
		}},
		{"patch deployment replicas", func() error {
			_, err := asBot.AppsV1().Deployments(f.ns).Patch(ctx, f.deployment, types.MergePatchType, scaleTo0, metav1.PatchOptions{})
			return err
		}},
		{"delete pod", func() error {
			return asBot.CoreV1().Pods(f.ns).Delete(ctx, f.pod, metav1.DeleteOptions{})
		}},
		{"create clusterrolebinding to cluster-admin", func() error {
			_, err := asBot.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: "bot-made-itself-admin"},
				RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "cluster-admin"},
				Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: "kubectl-gitops-bot", Namespace: botNamespace}},
			}, metav1.CreateOptions{})
			return err
		}},
		{"create a lease other than its scan's", func() error {
			_, err := asBot.CoordinationV1().Leases(botNamespace).Create(ctx,
				&coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "another-lease"}}, metav1.CreateOptions{})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if !apierrors.IsForbidden(err) {
				t.Errorf("as the bot: %v (%s); want 403 Forbidden (RBAC or the dry-run-only policy)", err, apierrors.ReasonForError(err))
			}
		})
	}
	f.unchanged(t)
}

// TestBotAccountRBAC asks the API server's authorizer (SubjectAccessReview, what the
// kubelet asks too) about the bot's ServiceAccount: it may read and send writes for the
// kinds a plan handles, and nothing on any subresource: not the kubelet's API
// (nodes/proxy runs commands in pods, with get alone), not tokens, not escalation verbs.
func TestBotAccountRBAC(t *testing.T) {
	applyDeployBot(t)
	ctx := context.Background()
	tests := []struct {
		verb, group, resource, subresource, namespace, name string
		want                                                bool
	}{
		// What a dry-run plan needs.
		{verb: "get", resource: "configmaps", namespace: "default", want: true},
		{verb: "list", resource: "secrets", namespace: "default", want: true},
		{verb: "create", group: "apps", resource: "deployments", namespace: "default", want: true},
		{verb: "patch", group: "apps", resource: "deployments", namespace: "default", want: true},
		{verb: "patch", group: "rbac.authorization.k8s.io", resource: "clusterroles", want: true},
		{verb: "patch", group: "apiextensions.k8s.io", resource: "customresourcedefinitions", want: true},
		{verb: "get", group: "coordination.k8s.io", resource: "leases", namespace: botNamespace, name: botLease, want: true},
		{verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: botNamespace, name: botLease, want: true},
		// Never.
		{verb: "update", resource: "configmaps", namespace: "default"},
		{verb: "delete", resource: "configmaps", namespace: "default"},
		{verb: "deletecollection", resource: "configmaps", namespace: "default"},
		{verb: "watch", resource: "secrets", namespace: "default"},
		{verb: "get", resource: "nodes", subresource: "proxy", name: "any"},
		{verb: "create", resource: "nodes", subresource: "proxy", name: "any"},
		{verb: "get", resource: "nodes", subresource: "log", name: "any"},
		{verb: "get", resource: "nodes", subresource: "stats", name: "any"},
		{verb: "get", resource: "nodes", subresource: "metrics", name: "any"},
		{verb: "get", resource: "nodes", subresource: "pods", name: "any"},
		{verb: "create", resource: "serviceaccounts", subresource: "token", namespace: "kube-system"},
		{verb: "get", resource: "pods", subresource: "exec", namespace: "default"},
		{verb: "create", resource: "pods", subresource: "exec", namespace: "default"},
		{verb: "get", resource: "pods", subresource: "attach", namespace: "default"},
		{verb: "get", resource: "pods", subresource: "portforward", namespace: "default"},
		{verb: "get", resource: "pods", subresource: "proxy", namespace: "default"},
		{verb: "get", resource: "services", subresource: "proxy", namespace: "default"},
		{verb: "get", resource: "pods", subresource: "log", namespace: "default"},
		{verb: "create", resource: "pods", subresource: "eviction", namespace: "default"},
		{verb: "patch", resource: "pods", subresource: "ephemeralcontainers", namespace: "default"},
		{verb: "patch", group: "apps", resource: "deployments", subresource: "scale", namespace: "default"},
		{verb: "patch", group: "apps", resource: "deployments", subresource: "status", namespace: "default"},
		{verb: "impersonate", resource: "users"},
		{verb: "impersonate", resource: "serviceaccounts", namespace: "kube-system"},
		{verb: "bind", group: "rbac.authorization.k8s.io", resource: "clusterroles", name: "cluster-admin"},
		{verb: "escalate", group: "rbac.authorization.k8s.io", resource: "clusterroles"},
		{verb: "create", group: "authentication.k8s.io", resource: "tokenreviews"},
		{verb: "create", group: "coordination.k8s.io", resource: "leases", subresource: "status", namespace: botNamespace},
		{verb: "delete", group: "coordination.k8s.io", resource: "leases", namespace: botNamespace, name: botLease},
	}
	for _, tt := range tests {
		name := tt.verb + " " + tt.resource
		if tt.subresource != "" {
			name += "/" + tt.subresource
		}
		if tt.group != "" {
			name += "." + tt.group
		}
		t.Run(name, func(t *testing.T) {
			sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
				User: botUser, Groups: botGroups,
				ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: tt.verb, Group: tt.group, Resource: tt.resource,
					Subresource: tt.subresource, Namespace: tt.namespace, Name: tt.name},
			}}
			got, err := kube(t).AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Status.Allowed != tt.want {
				t.Errorf("allowed %v, want %v (%s)", got.Status.Allowed, tt.want, got.Status.Reason)
			}
		})
	}
}

// TestBotAccountCanPlan: what the account is for still works. A plan as the bot's
// ServiceAccount (a kubeconfig whose user impersonates it) dry-runs every object and
// writes nothing; and the bot may take and renew its scan's Lease, the one real write.
func TestBotAccountCanPlan(t *testing.T) {
	asBot := applyDeployBot(t)
	ctx := context.Background()
	ns := unique("bot-account-plan")
	ensureNamespace(t, ns)
	r := gitrepotest.NewRepo(t, map[string]string{
		"cm.yaml": configMapWith("settings", ns, "color", "blue", nil),
		"deploy.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ` + ns + `}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
`,
		"svc.yaml":  "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: " + ns + "}\nspec: {selector: {app: web}, ports: [{port: 80}]}\n",
		"sa.yaml":   "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web, namespace: " + ns + "}\n",
		"ns.yaml":   "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + ns + "-new}\n",
		"role.yaml": "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: web, namespace: " + ns + "}\nrules: [{apiGroups: [''], resources: [configmaps], verbs: [get]}]\n",
	})
	kc := botKubeconfig(t)
	res := gitopsKubeconfig(t, kc, "plan", r.Dir, "--applyset", ns, "--applyset-namespace", ns)
	if res.code != 1 {
		t.Fatalf("a plan as the bot: want exit 1 (changes)\n%s", res)
	}
	requireContainsAll(t, res.out, "settings", "web", ns+"-new")
	if strings.Contains(res.out+res.err, "forbidden") {
		t.Errorf("a plan as the bot hit a refusal:\n%s", res)
	}
	requireAbsent(t, gvrConfigMap, ns, "settings")
	requireAbsent(t, gvrDeployment, ns, "web")
	requireAbsent(t, gvrNamespace, "", ns+"-new")
	requireAbsent(t, gvrSecret, ns, ns) // the ApplySet's parent

	// The scan's Lease: created, renewed (real writes), never deleted.
	leases := asBot.CoordinationV1().Leases(botNamespace)
	if err := kube(t).CoordinationV1().Leases(botNamespace).Delete(ctx, botLease, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	l, err := leases.Create(ctx, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: botLease},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("bot-account-test")}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("the bot cannot create its scan's Lease: %v", err)
	}
	l.Spec.LeaseDurationSeconds = ptr.To[int32](15)
	if _, err := leases.Update(ctx, l, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("the bot cannot renew its scan's Lease: %v", err)
	}
	if err := leases.Delete(ctx, botLease, metav1.DeleteOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("delete its Lease: %v, want 403", err)
	}
	if err := kube(t).CoordinationV1().Leases(botNamespace).Delete(ctx, botLease, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
}

// botKubeconfig writes a kubeconfig whose user is the test cluster's admin
// impersonating the bot's ServiceAccount (what a kubeconfig for the bot's identity
// does, without minting a token).
func botKubeconfig(t *testing.T) string {
	t.Helper()
	return writeKubeconfigAs(t, cluster.Config.Host, cluster.Config.BearerToken, "bot", botUser, botGroups...)
}

// TestBotAccountRoleNamesKinds: the bot's ClusterRole names kinds, never "*" nor a
// subresource, with the four verbs a dry-run plan needs; and in every group it names, it
// names every kind the API server serves there that a plan could apply (so a kind that a
// new Kubernetes version adds is a decision, not an omission), except those left out on
// purpose.
func TestBotAccountRoleNamesKinds(t *testing.T) {
	applyDeployBot(t)
	ctx := context.Background()
	role, err := kube(t).RbacV1().ClusterRoles().Get(ctx, "kubectl-gitops-bot-plan", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Kinds of the named groups a plan never applies: nodes register themselves; events,
	// bindings and componentstatuses are not configuration.
	leftOut := map[string]bool{"nodes": true, "events": true, "bindings": true, "componentstatuses": true}
	wantVerbs := "create,get,list,patch"
	_, lists, err := kube(t).Discovery().ServerGroupsAndResources()
	if err != nil {
		t.Fatal(err)
	}
	for i, rule := range role.Rules {
		t.Run(fmt.Sprintf("rule %d %v", i, rule.APIGroups), func(t *testing.T) {
			verbs := append([]string(nil), rule.Verbs...)
			slices.Sort(verbs)
			if strings.Join(verbs, ",") != wantVerbs || len(rule.ResourceNames) > 0 || len(rule.NonResourceURLs) > 0 {
				t.Errorf("verbs %v, resourceNames %v, nonResourceURLs %v: want exactly %s on kinds", rule.Verbs, rule.ResourceNames, rule.NonResourceURLs, wantVerbs)
			}
			named := map[string]bool{}
			for _, r := range rule.Resources {
				if strings.ContainsAny(r, "*/") {
					t.Errorf("resource %q: name kinds, never \"*\" or a subresource", r)
				}
				named[r] = true
			}
			for _, g := range rule.APIGroups {
				if g == "*" {
					t.Fatalf("apiGroups \"*\": name groups")
				}
				for _, l := range lists {
					gv, err := schema.ParseGroupVersion(l.GroupVersion)
					if err != nil || gv.Group != g {
						continue
					}
					for _, r := range l.APIResources {
						if strings.Contains(r.Name, "/") || leftOut[r.Name] || !slices.Contains(r.Verbs, "patch") || !slices.Contains(r.Verbs, "create") {
							continue
						}
						if !named[r.Name] {
							t.Errorf("%s %s is served and not named: name it, or leave it out on purpose here", l.GroupVersion, r.Name)
						}
					}
				}
			}
		})
	}
}
