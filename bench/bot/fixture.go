package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-gitops/kubectl-gitops/pkg/cmd"
	"github.com/kubectl-gitops/kubectl-gitops/pkg/gitrepo/gitrepotest"
)

// benchNamespace holds the planned repository's objects.
const benchNamespace = "botbench"

// gitRepo is one repository as the fake GitHub serves it.
type gitRepo struct {
	owner, name      string
	bare, cloneURL   string
	mainSHA, headSHA string
}

func (r gitRepo) full() string { return r.owner + "/" + r.name }

// fixture is what the plan and memory steps share: the App's key, a git remote
// served by git http-backend with two repositories of the same objects (one whose
// .gitops.yaml plans live against the control plane, one offline), main applied to
// the cluster, and a pull request changing a tenth of the objects.
type fixture struct {
	kubeconfig    string
	key           *rsa.PrivateKey
	keyPEM        []byte
	live, offline gitRepo
	headDir       string // a work tree at the pull request's head (for kubectl diff)
	changed       int
}

func newFixture(ctx context.Context, cl *cleanups, work, kubeconfig string, c config) (*fixture, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	fx := &fixture{kubeconfig: kubeconfig, key: key,
		keyPEM: pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})}
	root := filepath.Join(work, "git")
	srv, err := gitrepotest.NewHTTPServer(root)
	if err != nil {
		return nil, err
	}
	cl.Cleanup(srv.Close)
	fx.live = gitRepo{owner: "acme", name: "fleet", bare: filepath.Join(root, "fleet.git"), cloneURL: srv.URL + "/fleet.git"}
	fx.offline = gitRepo{owner: "acme", name: "fleet-offline", bare: filepath.Join(root, "fleet-offline.git"), cloneURL: srv.URL + "/fleet-offline.git"}
	for _, r := range []gitRepo{fx.live, fx.offline} {
		if _, err := gitrepotest.Run("", "init", "-q", "--bare", "-b", "main", r.bare); err != nil {
			return nil, err
		}
		if err := likeGitHub(r.bare); err != nil {
			return nil, err
		}
	}

	wt := filepath.Join(work, "worktree")
	fx.headDir = wt
	if _, err := gitrepotest.Run("", "init", "-q", "-b", "main", wt); err != nil {
		return nil, err
	}
	base, head := objects(c.objects, false), objects(c.objects, true)
	for p, content := range head {
		if base[p] != content {
			fx.changed++
		}
	}
	commitPush := func(files map[string]string, msg string, r *gitRepo, ref string) (string, error) {
		if err := writeFiles(wt, files); err != nil {
			return "", err
		}
		if _, err := gitrepotest.Run(wt, "add", "-A"); err != nil {
			return "", err
		}
		if _, err := gitrepotest.Run(wt, "commit", "-q", "-m", msg); err != nil {
			return "", err
		}
		if _, err := gitrepotest.Run(wt, "push", "-q", r.bare, "HEAD:refs/heads/"+ref); err != nil {
			return "", err
		}
		return gitrepotest.Run(wt, "rev-parse", "HEAD")
	}
	// The offline repository first, so that the work tree ends at the live head.
	if fx.offline.mainSHA, err = commitPush(withConfig(base, ""), "main", &fx.offline, "main"); err != nil {
		return nil, err
	}
	if fx.offline.headSHA, err = commitPush(head, "change a tenth", &fx.offline, "feature"); err != nil {
		return nil, err
	}
	if _, err := gitrepotest.Run(wt, "checkout", "-q", "--orphan", "live"); err != nil {
		return nil, err
	}
	if fx.live.mainSHA, err = commitPush(withConfig(base, "testcluster"), "main", &fx.live, "main"); err != nil {
		return nil, err
	}
	// What main says is running, applied by kubectl-gitops (in this process).
	if err := gitops(ctx, kubeconfig, "apply", wt, "--path", "deploy", "--applyset", benchNamespace, "--progress", "none"); err != nil {
		return nil, err
	}
	if fx.live.headSHA, err = commitPush(head, "change a tenth", &fx.live, "feature"); err != nil {
		return nil, err
	}
	return fx, nil
}

// gitops runs a kubectl-gitops command in this process.
func gitops(ctx context.Context, kubeconfig string, args ...string) error {
	var out bytes.Buffer
	root := cmd.NewRoot(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &out})
	root.SetArgs(append([]string{"--kubeconfig", kubeconfig}, args...))
	if err := root.ExecuteContext(ctx); err != nil {
		return fmt.Errorf("kubectl-gitops %s: %w\n%s", strings.Join(args, " "), err, out.String())
	}
	return nil
}

// clusterAccess grants context testcluster to the live repository, as an operator's
// --cluster-access file does: without a grant every plan is offline.
const clusterAccess = "clusters:\n  testcluster:\n    repositories: [acme/fleet]\n    namespaces: [\"*\"]\n"

// withConfig adds .gitops.yaml: one target, live against cluster (a kubeconfig
// context) or offline when cluster is "".
func withConfig(files map[string]string, cluster string) map[string]string {
	out := map[string]string{}
	for k, v := range files {
		out[k] = v
	}
	cfg := fmt.Sprintf("targets:\n  - name: bench\n    path: deploy\n    applyset: %s\n    defaultNamespace: %s\n", benchNamespace, benchNamespace)
	if cluster != "" {
		cfg += "    cluster: " + cluster + "\n"
	}
	out[".gitops.yaml"] = cfg
	return out
}

// objects are n objects (ConfigMap, Deployment, Service, in turn) and their
// Namespace, one file each under deploy/; changed changes every tenth object as a
// commit would: a value, an image tag, a target port.
func objects(n int, changed bool) map[string]string {
	files := map[string]string{"deploy/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + benchNamespace + "\n"}
	for i := range n {
		name := fmt.Sprintf("app-%03d", i)
		ch := changed && i%10 == 0
		var y string
		switch i % 3 {
		case 0:
			color := "blue"
			if ch {
				color = "green"
			}
			y = fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: %s\ndata:\n  color: %s\n  index: %q\n", name, benchNamespace, color, fmt.Sprint(i))
		case 1:
			tag := "v1"
			if ch {
				tag = "v2"
			}
			y = fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  namespace: %[2]s
spec:
  replicas: 1
  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}
    spec:
      containers:
        - name: app
          image: registry.example/app:%[3]s
          ports: [{containerPort: 8080}]
`, name, benchNamespace, tag)
		default:
			port := 8080
			if ch {
				port = 9090
			}
			y = fmt.Sprintf("apiVersion: v1\nkind: Service\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  selector: {app: %s}\n  ports: [{port: 80, targetPort: %d}]\n", name, benchNamespace, name, port)
		}
		files["deploy/"+name+".yaml"] = y
	}
	return files
}

func writeFiles(dir string, files map[string]string) error {
	for p, content := range files {
		path := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// likeGitHub makes git http-backend serve the bare repository as GitHub does: a commit
// wanted by its sha (git's protocol v0, which go-git speaks) is served when a ref
// reaches it, rather than refused ("not our ref"), so the bot's fetch by sha works as
// it does against GitHub, without the fallback that lists and fetches refs.
func likeGitHub(bare string) error {
	_, err := gitrepotest.Run(bare, "config", "uploadpack.allowReachableSHA1InWant", "true")
	return err
}
