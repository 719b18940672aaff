package testcluster

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/rest"

	"github.com/kubectl-gitops/kubectl-gitops/internal/lifetime"
)

// Options configure Start.
type Options struct {
	// BinDir holds etcd, kube-apiserver and kube-controller-manager; empty means BinDir().
	BinDir string
	// Dir holds data, certificates, logs and the kubeconfig; empty means a new temp dir,
	// removed by Stop.
	Dir string
	// ControllerManager also starts kube-controller-manager (namespace deletion,
	// ownerReference garbage collection, service accounts).
	ControllerManager bool
	// Log receives the components' output; nil writes it to files in Dir.
	Log io.Writer
}

// Cluster is a running control plane.
type Cluster struct {
	Dir        string
	Kubeconfig string
	Config     *rest.Config
	ownDir     bool
	procs      []*exec.Cmd
	logs       []*os.File
}

// BinDir returns the directory of the control-plane binaries: $GITOPS_TESTCLUSTER_BIN,
// or what hack/testcluster-build.sh prints (it builds them on first use, ≈15 min cold).
func BinDir() (string, error) {
	if d := os.Getenv("GITOPS_TESTCLUSTER_BIN"); d != "" {
		return d, nil
	}
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("testcluster: cannot locate hack/testcluster-build.sh; set GITOPS_TESTCLUSTER_BIN")
	}
	script := filepath.Join(filepath.Dir(file), "..", "..", "hack", "testcluster-build.sh")
	var stderr bytes.Buffer
	cmd := exec.Command("bash", script)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("testcluster: %s: %w\n%s", script, err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

// Start starts etcd and kube-apiserver (and kube-controller-manager when asked) on free
// loopback ports and waits until the apiserver is ready.
func Start(ctx context.Context, o Options) (c *Cluster, err error) {
	if o.BinDir == "" {
		if o.BinDir, err = BinDir(); err != nil {
			return nil, err
		}
	}
	c = &Cluster{Dir: o.Dir}
	if c.Dir == "" {
		if c.Dir, err = os.MkdirTemp("", "testcluster-"); err != nil {
			return nil, err
		}
		c.ownDir = true
	}
	started := c // `return nil, err` clears c before this runs
	defer func() {
		if err != nil {
			_ = started.Stop()
		}
	}()
	for _, d := range []string{"etcd", "certs"} {
		if err := os.MkdirAll(filepath.Join(c.Dir, d), 0o700); err != nil {
			return nil, err
		}
	}
	token, err := randomHex(16)
	if err != nil {
		return nil, err
	}
	if err := writeFiles(c.Dir, token); err != nil {
		return nil, err
	}
	ports, err := freePorts(4)
	if err != nil {
		return nil, err
	}
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	if err := c.run(o, "etcd",
		"--data-dir", filepath.Join(c.Dir, "etcd"),
		"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", fmt.Sprintf("http://127.0.0.1:%d", ports[1]),
		"--initial-advertise-peer-urls", fmt.Sprintf("http://127.0.0.1:%d", ports[1]),
		"--initial-cluster", fmt.Sprintf("default=http://127.0.0.1:%d", ports[1]),
		"--unsafe-no-fsync", "--quota-backend-bytes", "8589934592",
	); err != nil {
		return nil, err
	}
	host := fmt.Sprintf("https://127.0.0.1:%d", ports[2])
	if err := c.run(o, "kube-apiserver",
		"--etcd-servers", etcdURL,
		"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
		"--secure-port", fmt.Sprint(ports[2]),
		"--cert-dir", filepath.Join(c.Dir, "certs"),
		"--token-auth-file", filepath.Join(c.Dir, "tokens.csv"),
		"--authorization-mode", "RBAC",
		"--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file", filepath.Join(c.Dir, "sa.pub"),
		"--service-account-signing-key-file", filepath.Join(c.Dir, "sa.key"),
		"--service-cluster-ip-range", "10.96.0.0/12",
		"--endpoint-reconciler-type", "none",
		"--max-requests-inflight", "800", "--max-mutating-requests-inflight", "400",
	); err != nil {
		return nil, err
	}
	c.Config = &rest.Config{
		Host:            host,
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{Insecure: true},
		QPS:             -1,
	}
	c.Kubeconfig = filepath.Join(c.Dir, "kubeconfig")
	if err := writeKubeconfig(c.Kubeconfig, host, token); err != nil {
		return nil, err
	}
	if err := waitReady(ctx, host, token, c); err != nil {
		return nil, err
	}
	if o.ControllerManager {
		if err := c.run(o, "kube-controller-manager",
			"--kubeconfig", c.Kubeconfig, "--leader-elect=false",
			"--bind-address", "127.0.0.1", "--secure-port", fmt.Sprint(ports[3]),
			"--controllers", "namespace-controller,garbage-collector-controller,serviceaccount-controller,"+
				"serviceaccount-token-controller,root-ca-certificate-publisher-controller,"+
				"persistentvolumeclaim-protection-controller,persistentvolume-protection-controller",
			"--service-account-private-key-file", filepath.Join(c.Dir, "sa.key"),
			"--root-ca-file", filepath.Join(c.Dir, "certs", "apiserver.crt"),
		); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *Cluster) run(o Options, name string, args ...string) error {
	cmd := exec.Command(filepath.Join(o.BinDir, name), args...)
	if o.Log != nil {
		cmd.Stdout, cmd.Stderr = o.Log, o.Log
	} else {
		f, err := os.Create(filepath.Join(c.Dir, name+".log"))
		if err != nil {
			return err
		}
		c.logs = append(c.logs, f)
		cmd.Stdout, cmd.Stderr = f, f
	}
	if err := lifetime.StartChild(cmd); err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	c.procs = append(c.procs, cmd)
	return nil
}

// Stop stops the components in reverse order and removes a temp dir Start made.
func (c *Cluster) Stop() error {
	for i := len(c.procs) - 1; i >= 0; i-- {
		p := c.procs[i]
		_ = p.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = p.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-p.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
	c.procs = nil
	for _, f := range c.logs {
		_ = f.Close()
	}
	if c.ownDir {
		return os.RemoveAll(c.Dir)
	}
	return nil
}

// LogTail returns the end of a component's log file (for failure messages).
func (c *Cluster) LogTail(name string, n int) string {
	b, _ := os.ReadFile(filepath.Join(c.Dir, name+".log"))
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

func waitReady(ctx context.Context, host, token string, c *Cluster) error {
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // loopback test cluster
	}}
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		for _, p := range c.procs {
			if p.ProcessState != nil {
				return fmt.Errorf("%s exited: %s", p.Path, c.LogTail(filepath.Base(p.Path), 2000))
			}
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, host+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	return fmt.Errorf("kube-apiserver not ready after 90s: %s", c.LogTail("kube-apiserver", 3000))
}

func writeFiles(dir, token string) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	files := map[string][]byte{
		"sa.key":     pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
		"sa.pub":     pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}),
		"tokens.csv": []byte(token + `,admin,admin,"system:masters"` + "\n"),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

func writeKubeconfig(path, host, token string) error {
	kc := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: testcluster
  cluster:
    server: %s
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: %s
contexts:
- name: testcluster
  context: {cluster: testcluster, user: admin, namespace: default}
current-context: testcluster
`, host, token)
	return os.WriteFile(path, []byte(kc), 0o600)
}

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
